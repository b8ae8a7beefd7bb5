"""The import-linter contract lists the agents core module by module (its package also holds
the agent apps); a new core module that is not listed would escape the layers check."""

import configparser
from pathlib import Path

import agents

AGENT_APPS = {"enterprises", "government", "institutions", "investors"}


def test_every_agents_core_module_is_in_the_layers_contract():
    root = Path(agents.__file__).parent
    modules = {p.stem for p in root.glob("*.py") if p.stem != "__init__"}
    modules |= {p.name for p in root.iterdir() if p.is_dir() and (p / "__init__.py").exists()} - AGENT_APPS
    config = configparser.ConfigParser()
    config.read(root.parent / ".importlinter")
    layers = config["importlinter:contract:layers"]["layers"]
    listed = {m.strip().removeprefix("agents.") for m in layers.splitlines()[-1].split(":")}
    assert modules - listed == set(), f"add these to the bottom layer of .importlinter: {modules - listed}"
