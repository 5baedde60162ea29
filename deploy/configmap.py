"""The Kubernetes ConfigMap's link to the config files, and YAML checks; run by deploy/check.

--write          regenerate deploy/kubernetes/configmap.yaml from the config files
--extract DIR    write the ConfigMap's files into DIR, after checking they match
--check-yaml     check docker-compose.yml and the Slack app manifest for their keys
"""

import pathlib
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
CONFIGMAP = ROOT / "deploy/kubernetes/configmap.yaml"
FILES = {
    "escalator.toml": ROOT / "deploy/escalator.toml",
    "teams.toml": ROOT / "bot-config/teams.toml",
    "people.toml": ROOT / "bot-config/people.toml",
    "severities.toml": ROOT / "bot-config/severities.toml",
}
HEADER = """\
# The bot-config folder as a ConfigMap, mounted at /etc/escalator. Generated from
# deploy/escalator.toml and bot-config/{teams,people,severities}.toml by deploy/check
# --write; deploy/check fails when it differs from those files.
apiVersion: v1
kind: ConfigMap
metadata:
  name: escalator-config
  labels:
    app.kubernetes.io/name: escalator
data:
"""


def write():
    lines = [HEADER.rstrip("\n")]
    for key, path in FILES.items():
        lines.append(f"  {key}: |")
        for line in path.read_text().splitlines():
            lines.append("    " + line if line else "")
    CONFIGMAP.write_text("\n".join(lines) + "\n")


def extract(target):
    data = yaml.safe_load(CONFIGMAP.read_text())["data"]
    for key, path in FILES.items():
        if data.get(key) != path.read_text():
            sys.exit(f"{CONFIGMAP}: {key} differs from {path}; run deploy/check --write")
        (pathlib.Path(target) / key).write_text(data[key])
    extra = set(data) - set(FILES)
    if extra:
        sys.exit(f"{CONFIGMAP}: unexpected keys {sorted(extra)}")


def require(condition, what):
    if not condition:
        sys.exit(f"deploy: {what}")


def check_yaml():
    compose = yaml.safe_load((ROOT / "deploy/docker-compose.yml").read_text())
    service = compose["services"]["escalator"]
    require(service["build"]["dockerfile"] == "deploy/Dockerfile", "compose builds deploy/Dockerfile")
    require((ROOT / "deploy" / service["build"]["context"] / "Cargo.toml").is_file(),
            "compose builds from the repository root")
    require("escalator-data:/var/lib/escalator" in service["volumes"], "compose keeps data in a volume")
    require("escalator-data" in compose["volumes"], "compose declares the data volume")
    require(all(p.startswith("127.0.0.1:") for p in service["ports"]), "compose publishes on loopback only")
    require(service["read_only"] is True and service["cap_drop"] == ["ALL"], "compose drops privileges")

    manifest = yaml.safe_load((ROOT / "deploy/slack-app-manifest.yml").read_text())
    commands = [c["command"] for c in manifest["features"]["slash_commands"]]
    require(commands == ["/escalate"], "the Slack app has the /escalate command")
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    require({"reaction_added", "app_mention"} <= set(events), "the Slack app subscribes to reactions and mentions")


def main():
    if sys.argv[1:2] == ["--write"]:
        write()
    elif sys.argv[1:2] == ["--extract"] and len(sys.argv) == 3:
        extract(sys.argv[2])
    elif sys.argv[1:2] == ["--check-yaml"]:
        check_yaml()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
