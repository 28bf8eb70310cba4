# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Endpoint policy families and CSPM policy settings readers. Internal use only."""

from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconApiError, FalconConfigError
from ansible_collections.secops.falcon.plugins.module_utils._fql import filter_error
from ansible_collections.secops.falcon.plugins.module_utils._ids import (
    unique,
    validate_cspm_policy_id,
    validate_hex32_ids,
)
from ansible_collections.secops.falcon.plugins.module_utils._paging import batched, iter_offset

# policy_type option value -> the family's name in the URL.
FAMILIES = {
    'prevention': 'prevention',
    'sensor_update': 'sensor-update',
    'device_control': 'device-control',
    'firewall': 'firewall',
    'response': 'response',
}
# Sensor update v2 adds uninstall protection and the build/stage settings; the other families have only v1.
VERSIONS = {'sensor_update': 'v2'}
# combined, queries and members endpoints take limit 1-5000.
PAGE_SIZE = 5000
# Entity GETs carry ids in the URL: about 500 ids of 32 characters keep it a safe length.
ENTITY_BATCH = 500

# GET /settings/entities/policy/v1 `service` enum (case-sensitive on the API).
CSPM_SERVICES = (
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
CSPM_PLATFORMS = ('aws', 'azure', 'gcp')
CSPM_SETTINGS_PATH = '/settings/entities/policy/v1'


def _path(kind, policy_type, suffix=''):
    """Return the URL of one family's endpoint: kind is combined, queries or entities."""
    version = VERSIONS.get(policy_type, 'v1') if not suffix else 'v1'
    return '/policy/%s/%s%s/%s' % (kind, FAMILIES[policy_type], suffix, version)


def validate_policy_ids(ids):
    """Return policy ids lowercased and de-duplicated; FalconConfigError names every malformed one."""
    return validate_hex32_ids(ids, 'policy id')


def query_policies(client, policy_type, fql=None):
    """Return every policy of the family matching fql (combined endpoint, pages of 5000)."""
    params = {'filter': fql} if fql else {}
    try:
        return list(iter_offset(client, _path('combined', policy_type), params=params, page_size=PAGE_SIZE))
    except FalconApiError as err:
        raise filter_error(err, fql)


def get_policies(client, policy_type, ids):
    """Return (policies in the order asked, ids not found); unknown ids come back as 404 with errors."""
    found = {}
    for batch in batched(list(ids), ENTITY_BATCH):
        # 404 is how the entities endpoint reports unknown ids; the found ones (if any) are still in resources.
        response = client.request('GET', _path('entities', policy_type), params={'ids': batch}, ok=(200, 404))
        for policy in response.resources:
            if isinstance(policy, dict) and policy.get('id'):
                found[policy['id'].lower()] = policy
    return [found[i] for i in ids if i in found], [i for i in ids if i not in found]


def check_names(names):
    """Return the names stripped and de-duplicated; FalconConfigError names every blank one."""
    # A blank name (an unset variable) must fail, not vanish: it would otherwise report fewer policies as complete.
    blank = [n for n in names if not isinstance(n, str) or not n.strip()]
    if blank:
        raise FalconConfigError('Invalid policy name %s: names must not be empty.' % ', '.join(repr(b) for b in blank))
    return unique(n.strip() for n in names)


def find_policies_by_name(client, policy_type, names):
    """Return (policies whose name equals one of names, case-insensitive; names not found).

    The family is read whole and matched here: the API's name filter finds nothing on sensor-update and only the
    built-in platform_default policies elsewhere (API behaviour 9.3). A family holds tens of policies: one or two calls.
    """
    wanted = check_names(names)
    keys = set(n.lower() for n in wanted)
    policies = [p for p in query_policies(client, policy_type) if str(p.get('name', '')).strip().lower() in keys]
    matched = set(str(p.get('name', '')).strip().lower() for p in policies)
    return policies, [n for n in wanted if n.lower() not in matched]


def member_ids(client, policy_type, policy_id):
    """Return the device ids the policy applies to (queries/<family>-members, pages of 5000)."""
    path = _path('queries', policy_type, '-members')
    return list(iter_offset(client, path, params={'id': policy_id}, page_size=PAGE_SIZE))


def normalise_service(service):
    """Return the API's spelling of a CSPM service (case-insensitive match); FalconConfigError lists the allowed ones."""
    for known in CSPM_SERVICES:
        if known.lower() == str(service).strip().lower():
            return known
    raise FalconConfigError(
        'Invalid CSPM service %r. Allowed values (case-insensitive): %s.' % (service, ', '.join(CSPM_SERVICES))
    )


def get_cspm_policy_settings(client, service=None, cloud_platform=None, policy_id=None):
    """Return (settings, api_errors) of GET /settings/entities/policy/v1 for the optional service/platform/policy.

    api_errors is the API's errors[] of a partial (207 Multi-Status) answer: the settings it could not read.
    """
    params = {}
    if service is not None:
        params['service'] = normalise_service(service)
    if cloud_platform is not None:
        if cloud_platform not in CSPM_PLATFORMS:
            raise FalconConfigError(
                'Invalid cloud_platform %r. Allowed values: %s.' % (cloud_platform, ', '.join(CSPM_PLATFORMS))
            )
        params['cloud-platform'] = cloud_platform
    if policy_id is not None:
        params['policy-id'] = validate_cspm_policy_id(policy_id)
    # 207 Multi-Status carries the settings that could be read alongside errors for the rest.
    response = client.request('GET', CSPM_SETTINGS_PATH, params=params, ok=(200, 207))
    return response.resources, response.errors
