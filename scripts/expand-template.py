#!/usr/bin/env python3
"""Print a SAM template as the plain CloudFormation that cfn-lint sees: JSON on stdout.

    scripts/expand-template.py [--region us-east-1] [--parameters params.json] [template.yaml]

cfn-lint expands AWS::LanguageExtensions (Fn::ForEach) and then the SAM transform.
A Fn::ForEach over a parameter can only be expanded with the parameter's value, and
cfn-lint takes it from the parameter's Default; so --parameters (a JSON list of
{"ParameterKey": ..., "ParameterValue": ...}, as `lookout deploy-params --format json`
prints) becomes the Default of each named parameter before expanding. The file on
disk is not changed.

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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("template", nargs="?", default="template.yaml")
    ap.add_argument("--region", default="us-east-1", help="region to expand for (pseudo parameter AWS::Region)")
    ap.add_argument("--parameters", help="JSON file: [{ParameterKey, ParameterValue}, ...]")
    args = ap.parse_args()

    tpl, matches = cfnlint.decode.decode(args.template)
    if matches:
        for m in matches:
            print(f"expand-template: {m}", file=sys.stderr)
        return 1

    if args.parameters:
        with open(args.parameters, encoding="utf-8") as f:
            given = json.load(f)
        declared = tpl.get("Parameters", {})
        for p in given:
            key, value = p["ParameterKey"], p["ParameterValue"]
            if key not in declared:
                print(f"expand-template: parameter {key} is not declared in {args.template}", file=sys.stderr)
                return 1
            declared[key]["Default"] = value

    cfn = cfnlint.template.Template(args.template, tpl, [args.region])
    matches = Transform().transform(cfn)
    if matches:
        for m in matches:
            print(f"expand-template: {m}", file=sys.stderr)
        return 1

    json.dump(cfn.template, sys.stdout, indent=1, sort_keys=True, default=str)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
