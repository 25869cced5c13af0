#!/usr/bin/env python3
"""Print a SAM template as the plain CloudFormation that cfn-lint sees: JSON on stdout.

    scripts/expand-template.py [--region us-east-1] [--parameters params.json] [template.yaml]
    scripts/expand-template.py --jobs jobs.json

cfn-lint expands AWS::LanguageExtensions (Fn::ForEach) and then the SAM transform.
A Fn::ForEach over a parameter can only be expanded with the parameter's value, and
cfn-lint takes it from the parameter's Default; so --parameters (a JSON list of
{"ParameterKey": ..., "ParameterValue": ...}, as `lookout deploy-params --format json`
prints) becomes the Default of each named parameter before expanding. The file on
disk is not changed.

--jobs expands several templates in one run (cfn-lint loads once): a JSON list of
{"template": path, "region": ..., "parameters": [...]}; the output is the JSON list
of the expanded templates, in order.

Exit status: 0 expanded, 1 the template has errors (printed on stderr), 2 usage.
"""

import argparse
import json
import sys

try:
    import cfnlint.decode
    import cfnlint.template
    from cfnlint.template.transforms import Transform
except ImportError as e:  # pragma: no cover - depends on the machine
    print(f"expand-template: cfn-lint is not installed for {sys.executable}: {e}", file=sys.stderr)
    sys.exit(2)


def expand(path, region, given):
    """Returns (expanded template, None) or (None, error text)."""
    tpl, matches = cfnlint.decode.decode(path)
    if matches:
        return None, "\n".join(f"expand-template: {m}" for m in matches)
    declared = tpl.get("Parameters", {})
    for p in given or []:
        key, value = p["ParameterKey"], p["ParameterValue"]
        if key not in declared:
            return None, f"expand-template: parameter {key} is not declared in {path}"
        declared[key]["Default"] = value
    cfn = cfnlint.template.Template(path, tpl, [region])
    matches = Transform().transform(cfn)
    if matches:
        return None, "\n".join(f"expand-template: {path}: {m}" for m in matches)
    return cfn.template, None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("template", nargs="?", default="template.yaml")
    ap.add_argument("--region", default="us-east-1", help="region to expand for (pseudo parameter AWS::Region)")
    ap.add_argument("--parameters", help="JSON file: [{ParameterKey, ParameterValue}, ...]")
    ap.add_argument("--jobs", help="JSON file: [{template, region, parameters}, ...]")
    args = ap.parse_args()

    if args.jobs:
        with open(args.jobs, encoding="utf-8") as f:
            jobs = json.load(f)
    else:
        given = None
        if args.parameters:
            with open(args.parameters, encoding="utf-8") as f:
                given = json.load(f)
        jobs = [{"template": args.template, "region": args.region, "parameters": given}]

    out = []
    for job in jobs:
        tpl, err = expand(job["template"], job.get("region", "us-east-1"), job.get("parameters"))
        if err:
            print(err, file=sys.stderr)
            return 1
        out.append(tpl)

    json.dump(out if args.jobs else out[0], sys.stdout, indent=1, sort_keys=True, default=str)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
