#!/usr/bin/env python3
"""Parliament's verdicts on the document corpus of the validator's cross-check (test/policyValidation.test.ts).

Regenerate both files (Parliament is BSD-3-Clause; it runs here only, it is never a dependency):

    npx ts-node --transpile-only test/helpers/documentCorpus.ts > test/fixtures/parliament/corpus.json
    python3 -m venv /tmp/parliament && /tmp/parliament/bin/pip install parliament==1.6.4
    /tmp/parliament/bin/python scripts/parliament-verdicts.py test/fixtures/parliament/corpus.json \
        > test/fixtures/parliament/verdicts.json

One entry per document, in corpus order: the issue codes Parliament reports (sorted, each once), with the detail of
each, so the test can say which action or resource a RESOURCE_MISMATCH or UNKNOWN_ACTION is about.
"""
import json
import sys
from importlib.metadata import version

from parliament import analyze_policy_string


def verdict(document: dict) -> dict:
    policy = analyze_policy_string(json.dumps(document))
    findings = sorted({(f.issue, json.dumps(f.detail, sort_keys=True, default=str)) for f in policy.findings})
    return {"issues": sorted({issue for issue, _ in findings}), "details": [{"issue": i, "detail": json.loads(d)} for i, d in findings]}


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as f:
        corpus = json.load(f)
    entries = [entry["document"] if "document" in entry else entry for entry in corpus]
    json.dump({"tool": f"parliament {version('parliament')}", "verdicts": [verdict(d) for d in entries]}, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
