#!/usr/bin/env python3
"""cloudsplaining's verdicts on the policy corpus of the cross-check (test/iamRisk.cloudsplaining.test.ts).

Regenerate both files (cloudsplaining is BSD-3-Clause; it runs here only, it is never a dependency):

    npx ts-node --transpile-only test/helpers/policyCorpus.ts > test/fixtures/cloudsplaining/corpus.json
    python3 -m venv /tmp/cloudsplaining && /tmp/cloudsplaining/bin/pip install cloudsplaining==0.9.1
    /tmp/cloudsplaining/bin/python scripts/cloudsplaining-verdicts.py test/fixtures/cloudsplaining/corpus.json \
        > test/fixtures/cloudsplaining/verdicts.json

One entry per policy, in corpus order: the privilege-escalation methods and data-exfiltration actions it flags.
"""
import json
import sys
from importlib.metadata import version

from cloudsplaining.scan.policy_document import PolicyDocument


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as f:
        corpus = json.load(f)
    verdicts = []
    for policy in corpus:
        doc = PolicyDocument(policy)
        verdicts.append(
            {
                "privilegeEscalation": sorted(e["type"] for e in doc.allows_privilege_escalation),
                "dataExfiltration": sorted(doc.allows_data_exfiltration_actions),
            }
        )
    json.dump({"tool": f"cloudsplaining {version('cloudsplaining')}", "verdicts": verdicts}, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
