"""CSPM registration: GET /settings/entities/policy/v1 and /settings/entities/policy-details/v1
(API behaviour 5.2, 5.3, 9.7).

Records follow the real ones (demisto test data, API behaviour 9.7): cloud_service is lower case ("iam") while the
`service` parameter takes the enum spelling ("IAM"); policy ids are numbers like 257 (the catalog starts at 201); some
policy_timestamp values are 0001-01-01T00:00:00Z; cid and fql_policy are absent; meta.writes appears on the GET;
an `oci` provider exists beside aws, azure and gcp (the cloud-platform parameter still takes only the spec's three).
"""

import random
import re

from .envelope import ApiError, ok

CSPM = 'cspm-registration'
SCOPE = 'cspm-registration:read'
# The service enum of GetCSPMPolicySettings, exactly as in the spec (case-sensitive).
SERVICES = (
    'ACM',
    'ACR',
    'Any',
    'App Engine',
    'AppService',
    'BigQuery',
    'Cloud Load Balancing',
    'Cloud Logging',
    'Cloud SQL',
    'Cloud Storage',
    'CloudFormation',
    'CloudTrail',
    'CloudWatch Logs',
    'Cloudfront',
    'Compute Engine',
    'Config',
    'Disk',
    'DynamoDB',
    'EBS',
    'EC2',
    'ECR',
    'EFS',
    'EKS',
    'ELB',
    'EMR',
    'Elasticache',
    'GuardDuty',
    'IAM',
    'Identity',
    'KMS',
    'KeyVault',
    'Kinesis',
    'Kubernetes',
    'Lambda',
    'LoadBalancer',
    'Monitor',
    'NLB/ALB',
    'NetworkSecurityGroup',
    'PostgreSQL',
    'RDS',
    'Redshift',
    'S3',
    'SES',
    'SNS',
    'SQLDatabase',
    'SQLServer',
    'SQS',
    'SSM',
    'Serverless Application Repository',
    'StorageAccount',
    'Subscriptions',
    'VPC',
    'VirtualMachine',
    'VirtualNetwork',
)
CLOUD_PLATFORMS = ('aws', 'azure', 'gcp')  # the cloud-platform parameter's pattern ^(aws|azure|gcp)$
PROVIDERS = CLOUD_PLATFORMS + ('oci',)
FIRST_POLICY_ID = 201
PROVIDER_SERVICES = {
    'aws': (
        'ACM',
        'CloudFormation',
        'CloudTrail',
        'CloudWatch Logs',
        'Cloudfront',
        'Config',
        'DynamoDB',
        'EBS',
        'EC2',
        'ECR',
        'EFS',
        'EKS',
        'ELB',
        'EMR',
        'Elasticache',
        'GuardDuty',
        'IAM',
        'KMS',
        'Kinesis',
        'Lambda',
        'NLB/ALB',
        'RDS',
        'Redshift',
        'S3',
        'SES',
        'SNS',
        'SQS',
        'SSM',
        'Serverless Application Repository',
        'VPC',
    ),
    'azure': (
        'ACR',
        'AppService',
        'Disk',
        'Identity',
        'KeyVault',
        'Kubernetes',
        'LoadBalancer',
        'Monitor',
        'NetworkSecurityGroup',
        'PostgreSQL',
        'SQLDatabase',
        'SQLServer',
        'StorageAccount',
        'Subscriptions',
        'VirtualMachine',
        'VirtualNetwork',
    ),
    'gcp': (
        'App Engine',
        'BigQuery',
        'Cloud Load Balancing',
        'Cloud Logging',
        'Cloud SQL',
        'Cloud Storage',
        'Compute Engine',
        'IAM',
        'Kubernetes',
    ),
    'oci': ('IAM', 'KMS'),
}
ASSETS = {
    'S3': 'bucket',
    'EC2': 'instance',
    'IAM': 'user',
    'RDS': 'DB instance',
    'Lambda': 'function',
    'KMS': 'key',
    'EBS': 'volume',
    'VPC': 'security group',
    'StorageAccount': 'storage account',
    'VirtualMachine': 'virtual machine',
    'KeyVault': 'key vault',
    'Cloud Storage': 'bucket',
    'Compute Engine': 'instance',
    'BigQuery': 'dataset',
    'Cloud SQL': 'instance',
}
# (name template, severity, policy type, attack type, remediable, MITRE tactic, tactic id, technique, technique id)
CHECKS = (
    (
        '%s %s is publicly accessible',
        'critical',
        'Configuration',
        'Data exfiltration',
        True,
        'Initial Access',
        'TA0001',
        'Exploit Public-Facing Application',
        'T1190',
    ),
    (
        '%s %s is not encrypted at rest',
        'high',
        'Configuration',
        'Data exposure',
        True,
        'Collection',
        'TA0009',
        'Data from Cloud Storage',
        'T1530',
    ),
    (
        '%s %s has logging disabled',
        'medium',
        'Configuration',
        'Defense evasion',
        False,
        'Defense Evasion',
        'TA0005',
        'Impair Defenses',
        'T1562',
    ),
)
SEVERITY_NUMBER = {'critical': 0, 'high': 1, 'medium': 2, 'informational': 3}
PLATFORM_NUMBER = {'aws': 1, 'azure': 2, 'gcp': 3, 'oci': 4}
REGIONS = {
    'aws': ('us-east-1', 'us-west-2', 'eu-west-1'),
    'azure': ('eastus', 'westeurope'),
    'gcp': ('us-central1', 'europe-west1'),
    'oci': ('us-ashburn-1', 'eu-frankfurt-1'),
}
CREATED = '2023-02-14T09:30:00Z'
NEVER = '0001-01-01T00:00:00Z'  # the zero time real records show for a policy never updated
DIGITS = re.compile(r'^\d+$')


def _catalog():
    """The global CSPM policy catalog: ids 1.. in provider/service/check order."""
    out = []
    for provider in PROVIDERS:
        for service_index, service in enumerate(PROVIDER_SERVICES[provider]):
            asset = ASSETS.get(service, 'resource')
            for check_index, check in enumerate(CHECKS):
                name_tpl, severity, policy_type, attack, remediable, tactic, tactic_id, technique, technique_id = check
                policy_id = FIRST_POLICY_ID + len(out)
                out.append(
                    {
                        'id': policy_id,
                        'provider': provider,
                        'service': service,
                        'service_id': 100 * PLATFORM_NUMBER[provider] + service_index,
                        'name': name_tpl % (service, asset),
                        'severity': severity,
                        'policy_type': policy_type,
                        'attack': attack,
                        'remediable': remediable,
                        'tactic': tactic,
                        'tactic_id': tactic_id,
                        'technique': technique,
                        'technique_id': technique_id,
                        'asset_type': '%s::%s::%s'
                        % (provider.upper(), service.replace(' ', '').replace('/', ''), asset.title().replace(' ', '')),
                        'asset_type_id': 1000 + policy_id,
                        'benchmark': '%d.%d' % (1 + service_index % 5, 1 + check_index),
                    }
                )
    return out


CATALOG = _catalog()
BY_ID = {p['id']: p for p in CATALOG}


def _accounts(seed, cid):
    """Deterministic cloud accounts of a CID: {provider: [(account_id, tenant_id)]}."""
    rng = random.Random('%s:%s:cspm' % (seed, cid))
    aws = [('%012d' % rng.randrange(10**11, 10**12), '') for _unused in range(3)]
    azure_tenant = '%08x-%04x-4%03x-a%03x-%012x' % (
        rng.getrandbits(32),
        rng.getrandbits(16),
        rng.getrandbits(12),
        rng.getrandbits(12),
        rng.getrandbits(48),
    )
    azure = [
        (
            '%08x-%04x-4%03x-b%03x-%012x'
            % (rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(12), rng.getrandbits(12), rng.getrandbits(48)),
            azure_tenant,
        )
        for _unused in range(2)
    ]
    gcp = [('%s-%06d' % (name, rng.randrange(10**6)), '') for name in ('prod-analytics', 'shared-services')]
    oci = [
        (
            'ocid1.tenancy.oc1..aaaaaaaa%s'
            % ''.join(rng.choice('abcdefghijklmnopqrstuvwxyz234567') for _unused in range(52)),
            '',
        )
    ]
    return {'aws': aws, 'azure': azure, 'gcp': gcp, 'oci': oci}, rng


def tenant_settings(app, tenant):
    """Per-account settings of every catalog policy for this tenant (built once)."""
    if tenant.cspm is None:
        accounts, rng = _accounts(app.config.seed, tenant.cid)
        settings = {}
        for policy in CATALOG:
            settings[policy['id']] = [
                {
                    'account_id': account,
                    'tenant_id': tenant_id,
                    'enabled': rng.random() < 0.85,
                    'tag_excluded': rng.random() < 0.05,
                    'severity': policy['severity'] if rng.random() < 0.9 else 'informational',
                    'regions': list(REGIONS[policy['provider']]),
                }
                for account, tenant_id in accounts[policy['provider']]
            ]
        tenant.cspm = settings
    return tenant.cspm


def _benchmarks(policy, short):
    """One benchmark list (domain.Benchmark)."""
    return [
        {'id': policy['id'] * 10 + len(short), 'benchmark_short': short, 'recommendation_number': policy['benchmark']}
    ]


def assignment(policy, cid, settings):
    """domain.CIDPolicyAssignments for one policy, as real records look (no cid, no fql_policy, API behaviour 9.7)."""
    del cid
    return {
        'policy_id': policy['id'],
        'name': policy['name'],
        'account_scope': 'cloud',
        'attack_types': [policy['attack']],
        'cloud_provider': policy['provider'],
        'cloud_service': policy['service'].lower(),
        'cloud_service_friendly': policy['service'],
        'cloud_service_subtype': '',
        'cloud_asset_type': policy['asset_type'],
        'cloud_asset_type_id': policy['asset_type_id'],
        'default_severity': policy['severity'],
        'is_remediable': policy['remediable'],
        'remediation_summary': 'Restrict access and enable the recommended setting on the %s.'
        % policy['name'].split(' is ')[0].split(' has ')[0],
        'policy_type': policy['policy_type'],
        'policy_timestamp': NEVER if policy['id'] % 7 == 0 else CREATED,
        'created_at': CREATED,
        'updated_at': '2024-06-03T11:12:13Z',
        'cis_benchmark': _benchmarks(policy, 'CIS %s Foundations' % policy['provider'].upper()),
        'nist_benchmark': _benchmarks(policy, 'NIST 800-53'),
        'pci_benchmark': _benchmarks(policy, 'PCI DSS v4.0'),
        'soc2_benchmark': _benchmarks(policy, 'SOC 2'),
        'policy_settings': settings,
    }


def policy_settings(app, request, tenant):
    """GET /settings/entities/policy/v1?service=&policy-id=&cloud-platform= (all optional)."""
    service = request.arg('service')
    policy_id = request.arg('policy-id')
    platform = request.arg('cloud-platform')
    if service is not None and service not in SERVICES:
        raise ApiError(
            400,
            "Invalid value for service: '%s'. Allowed values (case-sensitive): %s" % (service, ', '.join(SERVICES)),
            powered_by=CSPM,
        )
    if policy_id is not None and not DIGITS.match(policy_id):
        raise ApiError(400, "Invalid value for policy-id: '%s'. It must match ^\\d+$" % policy_id, powered_by=CSPM)
    if platform is not None and platform not in CLOUD_PLATFORMS:
        raise ApiError(
            400, "Invalid value for cloud-platform: '%s'. Allowed values: aws, azure, gcp" % platform, powered_by=CSPM
        )
    settings = tenant_settings(app, tenant)
    out = []
    for policy in CATALOG:
        if service not in (None, 'Any') and policy['service'] != service:
            continue
        if policy_id is not None and policy['id'] != int(policy_id):
            continue
        if platform is not None and policy['provider'] != platform:
            continue
        out.append(assignment(policy, tenant.cid, settings[policy['id']]))
    return ok(request, out, CSPM, writes=0)  # real GET answers carry meta.writes too


def policy_info(policy):
    """domain.PolicyInfo for one catalog policy."""
    return {
        'ID': policy['id'],
        'CreatedAt': CREATED,
        'UpdatedAt': '2024-06-03T11:12:13Z',
        'DeletedAt': '0001-01-01T00:00:00Z',
        'account_scope': 'cloud',
        'is_enabled': True,
        'is_remediable': policy['remediable'],
        'name': policy['name'],
        'description': 'Checks whether the %s.' % (policy['name'][0].lower() + policy['name'][1:]),
        'policy_statement': policy['name'],
        'policy_remediation': 'Follow the %s hardening guide.' % policy['service'],
        'policy_severity': SEVERITY_NUMBER[policy['severity']],
        'policy_severity_score': 90 - 20 * SEVERITY_NUMBER[policy['severity']],
        'default_severity': policy['severity'],
        'cloud_platform': PLATFORM_NUMBER[policy['provider']],
        'cloud_platform_type': policy['provider'],
        'cloud_service': policy['service_id'],
        'cloud_service_friendly': policy['service'],
        'cloud_service_type': policy['service'],
        'cloud_asset_type': policy['asset_type'],
        'asset_type_id': policy['asset_type_id'],
        'fql_policy': "service:'%s'+check:'%d'" % (policy['service'], policy['id']),
        'policy_type': policy['policy_type'],
        'attack_types': [policy['attack']],
        'mitre_attack_cloud_matrix': 'Cloud',
        'mitre_attack_cloud_subtype': policy['provider'].upper(),
        'tactic': policy['tactic'],
        'tactic_id': policy['tactic_id'],
        'tactic_url': 'https://attack.mitre.org/tactics/%s/' % policy['tactic_id'],
        'technique': policy['technique'],
        'technique_id': policy['technique_id'],
        'technique_url': 'https://attack.mitre.org/techniques/%s/' % policy['technique_id'],
        'cis_benchmark_ids': [policy['id'] * 10 + 1],
        'nist_benchmark_ids': [policy['id'] * 10 + 2],
        'pci_benchmark_ids': [policy['id'] * 10 + 3],
        'soc2_benchmark_ids': [policy['id'] * 10 + 4],
        'remediation_summary': 'Restrict access and enable the recommended setting.',
        'confidence': 'High',
        'policy_confidence_score': 90,
        'internal_only': False,
    }


def policy_details(app, request, tenant):
    """GET /settings/entities/policy-details/v1?ids=<int>[&ids=..]: unknown ids get a per-id 400 beside the found ones.

    The per-id error is recorded (demisto test data, API behaviour 9.7); the HTTP status of a mixed answer is
    UNVERIFIED: 207 (the spec's Multi-Status) when some ids were found, 400 when none was.
    """
    del app, tenant
    ids = request.args('ids')
    bad = [raw for raw in ids if not DIGITS.match(raw)]
    if not ids or bad:
        shown = bad[0] if bad else ''
        raise ApiError(
            400, "Invalid value for ids: '%s'. It must be an integer policy id (^\\d+$)" % shown, powered_by=CSPM
        )
    found, errors = [], []
    for raw in ids:
        policy = BY_ID.get(int(raw))
        if policy is None:
            errors.append({'code': 400, 'message': 'Invalid policy ID %s provided' % raw})
        else:
            found.append(policy_info(policy))
    if errors and not found:
        raise ApiError(400, errors[0]['message'], powered_by=CSPM, errors=errors, resources=[])
    return ok(request, found, CSPM, status=207 if errors else 200, errors=errors)


ROUTES = {
    ('GET', '/settings/entities/policy/v1'): (policy_settings, SCOPE),
    ('GET', '/settings/entities/policy-details/v1'): (policy_details, SCOPE),
}
