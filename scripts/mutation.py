"""Mutation testing of the rule functions of product.md (`make mutation`; not part of every CI run).

Runs mutmut (configuration: [tool.mutmut] in pyproject.toml) and then reads its results. Every
mutant must be killed by the fast suite, or be listed in mutation-equivalents.txt with the reason
it cannot change behaviour. Exits non-zero when any other mutant survives (or times out, or has no
test), and prints the figures: mutants, killed, listed as equivalent.
"""

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENTS = ROOT / "mutation-equivalents.txt"
MUTMUT = [sys.executable, "-m", "mutmut"]
RESULT_LINE = re.compile(r"^\s*(?P<name>\S+__mutmut_\d+): (?P<status>.+?)\s*$")


def listed_equivalents() -> dict[str, str]:
    """{mutant name: reason} from mutation-equivalents.txt (`name  # reason` per line)."""
    listed = {}
    for line in EQUIVALENTS.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, reason = line.partition("#")
        if not reason.strip():
            sys.exit("mutation-equivalents.txt: %s has no reason" % name.strip())
        listed[name.strip()] = reason.strip()
    return listed


def main() -> int:
    run = subprocess.run([*MUTMUT, "run", "--max-children", "2"], cwd=ROOT)
    if run.returncode not in (0, 1):
        print("mutmut run failed with status %d" % run.returncode)
        return run.returncode
    results = subprocess.run([*MUTMUT, "results", "--all", "true"], cwd=ROOT, capture_output=True, text=True)
    statuses = {}
    for line in results.stdout.splitlines():
        match = RESULT_LINE.match(line)
        if match:
            statuses[match["name"]] = match["status"]
    if not statuses:
        print(results.stdout, results.stderr)
        print("no mutant results were read")
        return 2
    listed = listed_equivalents()
    counts = Counter(statuses.values())
    not_killed = {name: status for name, status in statuses.items() if status != "killed"}
    unexplained = {name: status for name, status in not_killed.items() if name not in listed}
    stale = sorted(set(listed) - set(not_killed))
    print(
        "\nmutation: %d mutants, %d killed, %d listed as equivalent, %d unexplained"
        % (len(statuses), counts["killed"], len(not_killed) - len(unexplained), len(unexplained))
    )
    for name in stale:
        print("  listed but killed or gone (remove it from mutation-equivalents.txt): %s" % name)
    for name, status in sorted(unexplained.items()):
        print("  %s: %s  (kill it with a test, or list it with the reason)" % (name, status))
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
