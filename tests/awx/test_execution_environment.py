"""ansible-builder turns awx/execution-environment.yml and the collection tarball into a complete build context."""

import os
import shutil
import subprocess
import sys
import tarfile

import yaml
from awx_credential import AWX_DIR, REPO_ROOT  # pylint: disable=import-error

BIN_DIR = os.path.dirname(sys.executable)
# Building the tarball and the context takes about a second; a hang must still fail clearly.
STEP_TIMEOUT = 180


def galaxy_version():
    """The collection version in galaxy.yml."""
    with open(os.path.join(REPO_ROOT, 'galaxy.yml'), encoding='utf-8') as handle:
        return yaml.safe_load(handle)['version']


def run(command, cwd):
    """Run a tool of the venv, failing with its output."""
    proc = subprocess.run(command, cwd=str(cwd), capture_output=True, text=True, timeout=STEP_TIMEOUT, check=False)
    assert proc.returncode == 0, '%s\n%s\n%s' % (' '.join(command), proc.stdout[-3000:], proc.stderr[-3000:])
    return proc


def test_ansible_builder_create_makes_a_complete_context(tmp_path):
    """The documented steps (build the tarball into awx/, ansible-builder create) give a Dockerfile and _build/."""
    # The same layout as the repository: awx/execution-environment.yml refers to ../requirements.txt and ../bindep.txt.
    work = tmp_path / 'repo'
    (work / 'awx').mkdir(parents=True)
    shutil.copy(os.path.join(AWX_DIR, 'execution-environment.yml'), str(work / 'awx'))
    for name in ('requirements.txt', 'bindep.txt'):
        shutil.copy(os.path.join(REPO_ROOT, name), str(work / name))
    run(
        [os.path.join(BIN_DIR, 'ansible-galaxy'), 'collection', 'build', '--output-path', str(work / 'awx'), REPO_ROOT],
        tmp_path,
    )
    tarball = 'secops-falcon-%s.tar.gz' % galaxy_version()
    assert (work / 'awx' / tarball).is_file()

    context = tmp_path / 'context'
    run(
        [os.path.join(BIN_DIR, 'ansible-builder'), 'create', '-f', 'awx/execution-environment.yml', '-c', str(context)],
        work,
    )

    dockerfile = (context / 'Dockerfile').read_text()
    assert 'FROM $EE_BASE_IMAGE AS base' in dockerfile
    # The galaxy stage installs the requirements.yml collections; the builder stage reads the pip and bindep files.
    assert 'collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml' in dockerfile
    assert 'COPY _build/requirements.txt requirements.txt' in dockerfile
    assert 'COPY _build/bindep.txt bindep.txt' in dockerfile
    # AAP's own default EEs: Python 3.12 and ansible-core 2.16 (the collection's floor).
    assert 'ARG PYCMD="/usr/bin/python3.12"' in dockerfile
    assert 'ansible-core>=2.16.0,<2.17' in dockerfile

    requirements = (context / '_build' / 'requirements.txt').read_text().split('\n')
    names = [
        line.split('>')[0].split('=')[0].strip() for line in requirements if line.strip() and not line.startswith('#')
    ]
    assert 'requests' in names and 'cryptography' in names

    # The galaxy requirement names the tarball by the version in galaxy.yml, and the context carries that file.
    galaxy = yaml.safe_load((context / '_build' / 'requirements.yml').read_text())
    assert galaxy == {'collections': [{'name': 'collections/' + tarball, 'type': 'file'}]}
    shipped = context / '_build' / 'collections' / tarball
    assert shipped.is_file()
    with tarfile.open(str(shipped)) as archive:
        members = archive.getnames()
        manifest = archive.extractfile('MANIFEST.json').read().decode()
    assert '"namespace": "secops"' in manifest and '"name": "falcon"' in manifest
    for expected in (
        'meta/execution-environment.yml',
        'requirements.txt',
        'plugins/modules/falcon_host_contain.py',
        'roles/falcon_incident_response/meta/argument_specs.yml',
    ):
        assert expected in members

    assert (context / '_build' / 'bindep.txt').read_text() == open(
        os.path.join(REPO_ROOT, 'bindep.txt'), encoding='utf-8'
    ).read()
