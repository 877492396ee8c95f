#!/usr/bin/env python3
"""Exit 0 when every `name==version` (or bare `name`) given is installed at that version, else 1,
printing what is missing; `make bench-deps` then installs the pinned set."""
import sys
from importlib import metadata

missing = []
for spec in sys.argv[1:]:
    name, _, version = spec.partition("==")
    try:
        installed = metadata.version(name)
    except metadata.PackageNotFoundError:
        missing.append(f"{spec} (not installed)")
        continue
    # torch reports local versions such as 2.15.0+cpu: the release is what is pinned.
    if version and installed.split("+")[0] != version:
        missing.append(f"{spec} (installed {installed})")
if missing:
    print("bench-deps: installing " + ", ".join(missing))
    sys.exit(1)
print("bench-deps: every peer present (" + " ".join(sys.argv[1:]) + ")")
