"""What AWX does with the custom credential type in awx/credential_type/: parse it and render its injectors."""

import os

import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AWX_DIR = os.path.join(REPO_ROOT, 'awx')
CREDENTIAL_TYPE_DIR = os.path.join(AWX_DIR, 'credential_type')


def load_yaml(path):
    """Parse one YAML file."""
    with open(path, encoding='utf-8') as handle:
        return yaml.safe_load(handle)


def credential_type():
    """Return (inputs, injectors) of the credential type, as AWX stores them."""
    return (
        load_yaml(os.path.join(CREDENTIAL_TYPE_DIR, 'inputs.yml')),
        load_yaml(os.path.join(CREDENTIAL_TYPE_DIR, 'injectors.yml')),
    )


def render_injected_env(injectors, inputs):
    """Return the env vars AWX injects for a credential: each `env` template rendered with the credential's inputs.

    This follows AWX's CredentialType.inject_credential: templates are rendered in a Jinja sandbox, an input that is
    empty or missing is left out of the namespace (so it renders as undefined: an empty string unless the template
    gives a default), and variables named ANSIBLE_* are never injected.
    """
    sandbox = ImmutableSandboxedEnvironment()
    namespace = dict((key, value) for key, value in inputs.items() if isinstance(value, bool) or value)
    env = {}
    for name, template in (injectors.get('env') or {}).items():
        if name.startswith('ANSIBLE_'):
            continue
        env[name] = sandbox.from_string(template).render(**namespace)
    return env
