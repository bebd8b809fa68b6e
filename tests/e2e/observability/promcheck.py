#!/usr/bin/env python3
"""Helpers of tests/e2e/observability/run.sh: JSON look-ups, the PromQL expressions of the Grafana
dashboard and the alert rules, and their evaluation through a real Prometheus' HTTP API.

  promcheck.py json FILE EXPR [ARG]   print the Python expression EXPR evaluated with d = the JSON
                                      document in FILE and arg = ARG (strings bare, else JSON)
  promcheck.py expressions DASHBOARD PROM
                                      print every expression, one JSON object a line:
                                      {"source", "name", "expr"} (dashboard variables substituted;
                                      the rules as Prometheus loaded them, GET /api/v1/rules)
  promcheck.py rule-expr PROM NAME    print the expr of the loaded alert rule NAME
  promcheck.py query PROM EXPR OUT    instant query; the answer is saved in OUT; prints the number
                                      of samples; exit 1 unless the status is success
  promcheck.py firing PROM OUT        GET /api/v1/alerts (saved in OUT); prints the names of the
                                      firing alerts, one a line
  promcheck.py check-all PROM DASHBOARD OUTDIR CHECKED_IN_PHASE
                                      evaluates every expression now and prints a table; exit 1
                                      when one fails (see check_all)

Only the standard library.
"""

import json
import math
import os
import re
import sys
import urllib.parse
import urllib.request

# Grafana's built-in variables, replaced by values that suit a test with 1 s scrapes that runs
# for about a minute. The dashboard's own variables: `account` is multi-valued with "All" = `.*`,
# so it is only valid inside a regex matcher (=~ or !~); `datasource` never appears in a query.
BUILTINS = {
    "__rate_interval": "30s",
    "__interval_ms": "5000",
    "__interval": "5s",
    "__range_ms": "600000",
    "__range_s": "600",
    "__range": "10m",
}
ALL_VALUE = ".*"


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def dashboard_variables(dashboard):
    return {v.get("name"): v for v in dashboard.get("templating", {}).get("list", [])}


def substitute(expr, variables):
    """The expression with Grafana's variables replaced; raises ValueError for a variable used
    where its "All" value cannot work, or an unknown one."""
    def value_of(name, fmt):
        if name in BUILTINS:
            return BUILTINS[name]
        var = variables.get(name)
        if var is None:
            raise ValueError(f"unknown dashboard variable ${name}")
        if var.get("type") == "datasource":
            raise ValueError(f"${name} (a data source) inside a query")
        if fmt not in (None, "regex", "pipe"):
            raise ValueError(f"${{{name}:{fmt}}}: format not handled by the test")
        return var.get("allValue") or ALL_VALUE

    # A multi-value variable in an equality matcher matches nothing once "All" or two values are
    # selected: that is a dashboard bug, not something to paper over here.
    for m in re.finditer(r'(\w+)\s*(=|!=)\s*"[^"]*\$(\{)?(\w+)', expr):
        name = m.group(4)
        var = variables.get(name)
        if var is not None and (var.get("multi") or var.get("includeAll")):
            raise ValueError(f'multi-value ${name} in an equality matcher ({m.group(0)}...); use =~')

    pattern = re.compile(r"\$\{(\w+)(?::(\w+))?\}|\[\[(\w+)\]\]|\$(\w+)")

    def repl(m):
        name = m.group(1) or m.group(3) or m.group(4)
        return value_of(name, m.group(2))

    return pattern.sub(repl, expr)


def dashboard_panels(dashboard):
    """Every panel, rows' nested panels included (also the old "rows" schema)."""
    stack = list(dashboard.get("panels", []))
    for row in dashboard.get("rows", []):
        stack.extend(row.get("panels", []))
    while stack:
        panel = stack.pop(0)
        yield panel
        stack.extend(panel.get("panels", []))


def loaded_rules(prom):
    """The rules Prometheus loaded (GET /api/v1/rules): [{"name", "type", "query", "health"}]."""
    answer = json.loads(http_get(prom, "/api/v1/rules"))
    return [r for g in answer["data"]["groups"] for r in g["rules"]]


def expressions(dashboard_path, prom):
    dashboard = load_json(dashboard_path)
    variables = dashboard_variables(dashboard)
    out = []
    for panel in dashboard_panels(dashboard):
        for target in panel.get("targets", []):
            raw = target.get("expr")
            if not raw:
                continue
            name = f'panel "{panel.get("title", "?")}" target {target.get("refId", "?")}'
            try:
                out.append({"source": "dashboard", "name": name, "raw": raw,
                            "expr": substitute(raw, variables)})
            except ValueError as e:
                out.append({"source": "dashboard", "name": name, "raw": raw, "error": str(e)})
    for var in variables.values():
        if var.get("type") != "query":
            continue
        query = var.get("query")
        query = query.get("query") if isinstance(query, dict) else query
        name = f'variable ${var.get("name")}'
        m = re.fullmatch(r"\s*label_values\(\s*(.+?)\s*,\s*(\w+)\s*\)\s*", query or "")
        if m:
            out.append({"source": "variable", "name": name, "raw": query,
                        "metric": m.group(1), "label": m.group(2)})
        else:
            out.append({"source": "variable", "name": name, "raw": query,
                        "error": "not label_values(METRIC, LABEL): not handled by the test"})
    for rule in loaded_rules(prom):
        out.append({"source": "alert" if rule["type"] == "alerting" else "record",
                    "name": rule["name"], "raw": rule["query"], "expr": rule["query"]})
    return out


def http_get(prom, path, params=None):
    url = prom + path + ("?" + urllib.parse.urlencode(params, doseq=True) if params else "")
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read().decode("utf-8")


def query(prom, expr, out_path):
    try:
        text = http_get(prom, "/api/v1/query", {"query": expr})
    except urllib.error.HTTPError as e:  # 400/422: a bad expression
        text = e.read().decode("utf-8")
    with open(out_path, "w", encoding="utf-8") as f:
        f.write(text)
    answer = json.loads(text)
    return answer


def samples(answer):
    """(count, count of NaN values) of an instant query's answer."""
    data = answer.get("data", {})
    kind, result = data.get("resultType"), data.get("result")
    if kind in ("scalar", "string"):
        return 1, int(kind == "scalar" and math.isnan(float(result[1])))
    values = [float(s["value"][1]) for s in result or []]
    return len(values), sum(1 for v in values if math.isnan(v))


def brief(answer, limit=6):
    """A short rendering of an instant vector: {label=value,...}=v ..."""
    data = answer.get("data", {})
    if data.get("resultType") != "vector":
        return str(data.get("result"))
    parts = []
    for s in data["result"][:limit]:
        labels = ",".join(f"{k}={v}" for k, v in sorted(s["metric"].items())
                          if k not in ("__name__", "instance", "job"))
        value = float(s["value"][1])
        parts.append(f"{{{labels}}}={value:.4g}")
    more = len(data["result"]) - limit
    return " ".join(parts) + (f" (+{more})" if more > 0 else "")


def check_all(prom, dashboard_path, outdir, in_phase_path):
    """Evaluates every expression now. A dashboard expression must answer success with at least
    one sample that is not NaN. An alert's expression must do the same either now or at the
    moment run.sh saw that alert firing (listed in CHECKED_IN_PHASE, one name a line: alerts about
    a passing condition, such as every account being out, were evaluated while it held)."""
    in_phase = set()
    if os.path.exists(in_phase_path):
        with open(in_phase_path, encoding="utf-8") as f:
            in_phase = {line.strip() for line in f if line.strip()}
    failures = []
    for i, e in enumerate(expressions(dashboard_path, prom)):
        label = f'{e["source"]} {e["name"]}'
        if "error" in e:
            failures.append(f'{label}: {e["error"]}: {e["raw"]}')
            print(f"FAIL {label}: {e['error']}")
            continue
        if e["source"] == "variable":
            path = os.path.join(outdir, f"prom-variable-{i}.json")
            text = http_get(prom, f'/api/v1/label/{e["label"]}/values', {"match[]": e["metric"]})
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            values = json.loads(text).get("data", [])
            if values:
                print(f"ok   {label}: {', '.join(values)}")
            else:
                failures.append(f'{label}: {e["raw"]} has no values')
                print(f"FAIL {label}: no values")
            continue
        answer = query(prom, e["expr"], os.path.join(outdir, f"prom-query-{i}.json"))
        if answer.get("status") != "success":
            failures.append(f'{label}: status {answer.get("status")}: {answer.get("error")}: '
                            f'{e["expr"]}')
            print(f"FAIL {label}: {answer.get('error')}")
            continue
        n, nan = samples(answer)
        if n > nan:
            print(f"ok   {label}: {n} sample(s)" + (f", {nan} NaN" if nan else "") +
                  f" {brief(answer)}")
        elif e["source"] == "alert" and e["name"] in in_phase:
            print(f"ok   {label}: empty now, non-empty while it fired (checked then)")
        else:
            what = "only NaN" if n else "no data"
            failures.append(f'{label}: {what}: {e["expr"]}')
            print(f"FAIL {label}: {what}")
    if failures:
        print("\n".join(["", "expressions that failed:"] + failures), file=sys.stderr)
        return 1
    return 0


def main(argv):
    cmd = argv[1]
    if cmd == "json":
        d = load_json(argv[2])
        arg = argv[4] if len(argv) > 4 else None
        v = eval(argv[3], {"d": d, "arg": arg, "math": math})
        sys.stdout.write(v if isinstance(v, str) else json.dumps(v))
        return 0
    if cmd == "expressions":
        for e in expressions(argv[2], argv[3]):  # DASHBOARD PROM
            print(json.dumps(e))
        return 0
    if cmd == "rule-expr":
        for rule in loaded_rules(argv[2]):
            if rule["name"] == argv[3]:
                sys.stdout.write(rule["query"])
                return 0
        print(f"no rule {argv[3]}", file=sys.stderr)
        return 1
    if cmd == "query":
        answer = query(argv[2], argv[3], argv[4])
        if answer.get("status") != "success":
            print(answer.get("error"), file=sys.stderr)
            return 1
        n, nan = samples(answer)
        print(n - nan)
        return 0
    if cmd == "firing":
        text = http_get(argv[2], "/api/v1/alerts")
        with open(argv[3], "w", encoding="utf-8") as f:
            f.write(text)
        for a in json.loads(text)["data"]["alerts"]:
            if a.get("state") == "firing":
                print(a["labels"]["alertname"])
        return 0
    if cmd == "check-all":
        return check_all(*argv[2:6])
    print(f"unknown command {cmd}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
