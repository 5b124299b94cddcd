"""Default JupyterLab settings for this project's Jupyter environment.

Merges nnlab's defaults into <app dir>/settings/overrides.json, the file JupyterLab reads for
defaults of the environment (a user's own settings still win). Today that is one setting: no
"Would you like to get notified about official Jupyter news?" pop-up when `npm run lab` opens,
i.e. fetchNews = "false" (Never) in @jupyterlab/apputils-extension:notification, whose default
"none" means "ask".

Keeps everything else in an existing overrides.json, and writes only when something changes.

    usage: python scripts/jupyterlab-settings.py [APP_SETTINGS_DIR]

Without an argument the directory is JupyterLab's application directory for this Python
($JUPYTERLAB_DIR, else <sys.prefix>/share/jupyter/lab) + /settings. Prints what it changed, if
anything; exits 1 with a message if the existing file is not valid JSON (then it is left alone).
"""
import json
import os
import sys

DEFAULTS = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false"},
}


def app_settings_dir() -> str:
    app_dir = os.environ.get("JUPYTERLAB_DIR") or os.path.join(sys.prefix, "share", "jupyter", "lab")
    return os.path.join(app_dir, "settings")


def main() -> int:
    settings_dir = sys.argv[1] if len(sys.argv) > 1 else app_settings_dir()
    path = os.path.join(settings_dir, "overrides.json")
    overrides = {}
    if os.path.exists(path):
        try:
            with open(path, encoding="utf-8") as f:
                overrides = json.load(f)
            if not isinstance(overrides, dict):
                raise ValueError("not a JSON object")
        except ValueError as e:
            print(f"{path} is not valid JSON ({e}); left as it is", file=sys.stderr)
            return 1
    changed = []
    for plugin, settings in DEFAULTS.items():
        current = overrides.setdefault(plugin, {})
        for key, value in settings.items():
            if current.get(key) != value:
                current[key] = value
                changed.append(f"{key}={json.dumps(value)}")
    if changed:
        os.makedirs(settings_dir, exist_ok=True)
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(overrides, f, indent=2)
            f.write("\n")
        os.replace(tmp, path)
        shown = os.path.relpath(path) if os.path.abspath(path).startswith(os.getcwd() + os.sep) else path
        print(f"JupyterLab defaults {', '.join(changed)} (no news pop-up) in {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
