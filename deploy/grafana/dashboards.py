#!/usr/bin/env python3
"""Tern's Grafana dashboards as code: writes deploy/grafana/dashboards/*.json.

    python3 deploy/grafana/dashboards.py          # rewrite the JSON files
    python3 deploy/grafana/dashboards.py --check  # fail when a file differs (run by the tests)

Every dashboard has a stable uid, a `datasource` variable (no hard-coded data source) and
`namespace` and `instance` variables that every query filters on; rates use $__rate_interval.
Panels follow RED (rate, errors, duration) per service and USE for its resources.
"""

import json
import os
import sys

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dashboards")
SEL = 'namespace=~"$namespace", instance=~"$instance"'


def q(expr, legend=""):
    return {"expr": expr.replace("SEL", SEL).replace("RI", "$__rate_interval"),
            "legendFormat": legend}


def rate(metric, by="", extra=""):
    sel = SEL + (", " + extra if extra else "")
    grouping = f"sum by ({by}) " if by else "sum "
    return f"{grouping}(rate({metric}{{{sel}}}[$__rate_interval]))"


def quantiles(metric, by="le", extra="", legend_prefix=""):
    sel = SEL + (", " + extra if extra else "")
    return [q(f"histogram_quantile({p}, sum by ({by}) (rate({metric}_bucket{{{sel}}}[RI])))",
              legend_prefix + f"p{int(p * 100)}") for p in (0.5, 0.9, 0.99)]


def panel(title, unit, targets, description=""):
    return {"title": title, "unit": unit, "targets": targets, "description": description}


def dashboard(uid, title, panels):
    out = []
    for i, p in enumerate(panels):
        targets = [dict(t, refId=chr(65 + k)) for k, t in enumerate(p["targets"])]
        out.append({
            "id": i + 1,
            "type": "timeseries",
            "title": p["title"],
            "description": p["description"],
            "datasource": {"type": "prometheus", "uid": "${datasource}"},
            "gridPos": {"h": 8, "w": 12, "x": 12 * (i % 2), "y": 8 * (i // 2)},
            "fieldConfig": {"defaults": {"unit": p["unit"]}, "overrides": []},
            "targets": targets,
        })

    def query_var(name, expr):
        return {"name": name, "label": name, "type": "query",
                "datasource": {"type": "prometheus", "uid": "${datasource}"},
                "query": {"query": expr, "refId": name}, "definition": expr,
                "includeAll": True, "multi": True, "allValue": ".*", "refresh": 2,
                "current": {"text": "All", "value": "$__all"}}

    return {
        "uid": uid,
        "title": title,
        "tags": ["tern"],
        "schemaVersion": 39,
        "version": 1,
        "time": {"from": "now-1h", "to": "now"},
        "refresh": "30s",
        "templating": {"list": [
            {"name": "datasource", "label": "Data source", "type": "datasource",
             "query": "prometheus", "current": {}},
            query_var("namespace", 'label_values(up{job=~"tern-.*"}, namespace)'),
            query_var("instance", 'label_values(up{job=~"tern-.*", namespace=~"$namespace"}, instance)'),
        ]},
        "panels": out,
    }


def gateway(proto, name):
    m = f"tern_{proto}"
    return [
        panel("Connections open by listener", "short",
              [q(f"sum by (listener) ({m}_connections_active{{SEL}})", "{{listener}}")]),
        panel("Connections accepted by listener", "ops",
              [q(rate(f"{m}_connections_total", "listener"), "{{listener}}")]),
        panel("Commands by result", "ops",
              [q(rate(f"{m}_commands_total", "result"), "{{result}}")]),
        panel("Commands by name", "ops",
              [q(rate(f"{m}_commands_total", "command"), "{{command}}")]),
        panel("Command latency", "s",
              quantiles(f"{m}_command_duration_seconds",
                        extra='command!~"IDLE"' if proto == "imap" else "")),
        panel("Logins by result", "ops",
              [q(rate(f"{m}_auth_total", "result"), "{{result}}")],
              "failed: wrong credentials; throttled: auth's throttle; unavailable: auth or "
              "storage unreachable"),
    ]


def dashboards():
    imap = gateway("imap", "IMAP") + [
        panel("IDLE connections", "short",
              [q("sum(tern_imap_idle_connections{SEL})", "idle")]),
        panel("Bytes sent and messages fetched", "short",
              [q(rate("tern_imap_sent_bytes_total"), "bytes/s"),
               q(rate("tern_imap_fetched_messages_total"), "messages/s")]),
    ]
    pop3 = gateway("pop3", "POP3") + [
        panel("Bytes retrieved and messages deleted", "short",
              [q(rate("tern_pop3_retrieved_bytes_total"), "bytes/s"),
               q(rate("tern_pop3_messages_deleted_total"), "deleted/s")]),
    ]
    smtp = [
        panel("SMTP sessions open by listener", "short",
              [q("sum by (listener) (tern_smtp_connections_active{SEL})", "{{listener}}")]),
        panel("Commands by reply class", "ops",
              [q(rate("tern_smtp_commands_total", "result"), "{{result}}")]),
        panel("Messages accepted and refused", "ops",
              [q(rate("tern_smtp_messages_accepted_total"), "accepted"),
               q(rate("tern_smtp_messages_rejected_total", "reason"), "refused: {{reason}}")]),
        panel("Transaction latency (end of data to 250)", "s",
              quantiles("tern_smtp_transaction_duration_seconds")),
        panel("AUTH by result", "ops", [q(rate("tern_smtp_auth_total", "result"), "{{result}}")]),
        panel("Connections refused", "ops",
              [q(rate("tern_smtp_connections_rejected_total", "reason"), "{{reason}}")]),
    ]
    queue = [
        panel("Outbound queue by state", "short",
              [q("max by (state) (tern_storage_outbound_jobs{SEL})", "{{state}}")]),
        panel("Oldest job in the outbound queue", "s",
              [q("max by (state) (tern_storage_outbound_oldest_seconds{SEL})", "{{state}}")]),
        panel("Outbound recipients by result", "ops",
              [q(rate("tern_smtp_outbound_recipients_total", "result"), "{{result}}")]),
        panel("Outbound attempt duration", "s",
              quantiles("tern_smtp_outbound_attempt_duration_seconds")),
        panel("Bounces to senders", "ops", [q(rate("tern_smtp_bounces_total", "result"), "{{result}}")]),
        panel("Workers failing to claim jobs", "ops",
              [q(rate("tern_smtp_outbound_claim_errors_total"), "claim errors")]),
    ]
    storage = [
        panel("RPC rate by method", "reqps",
              [q(rate("tern_storage_rpc_duration_seconds_count", "method"), "{{method}}")]),
        panel("RPC errors by code", "reqps",
              [q(rate("tern_storage_rpc_duration_seconds_count", "code", 'code!="ok"'), "{{code}}")]),
        panel("Deliver latency", "s",
              quantiles("tern_storage_rpc_duration_seconds", extra='method="Deliver"')),
        panel("Messages and bytes stored", "short",
              [q(rate("tern_storage_messages_stored_total"), "messages/s"),
               q(rate("tern_storage_stored_bytes_total"), "bytes/s")]),
        panel("Database transaction latency p99 by operation", "s",
              [q("histogram_quantile(0.99, sum by (le, op) "
                 "(rate(tern_storage_db_query_duration_seconds_bucket{SEL}[RI])))", "{{op}}")]),
        panel("Database pool", "short",
              [q('sum(tern_storage_db_pool_connections{SEL, state="in_use"})', "in use"),
               q("sum(tern_storage_db_pool_open_connections{SEL})", "open"),
               q(rate("tern_storage_db_errors_total", "kind"), "errors {{kind}}")]),
        panel("Change feed", "short",
              [q("sum(tern_storage_watch_streams{SEL})", "watch streams"),
               q(rate("tern_storage_notifications_total"), "notifications/s")]),
    ]
    auth = [
        panel("Login attempts by result", "ops",
              [q(rate("tern_auth_attempts_total", "result"), "{{result}}")]),
        panel("Logins throttled by scope", "ops",
              [q(rate("tern_auth_throttled_total", "scope"), "{{scope}}")]),
        panel("Password hash latency", "s", quantiles("tern_auth_hash_duration_seconds")),
        panel("Verification cache", "ops",
              [q(rate("tern_auth_verify_cache_total", "result"), "{{result}}")]),
        panel("Database transaction latency p99 by operation", "s",
              [q("histogram_quantile(0.99, sum by (le, op) "
                 "(rate(tern_auth_db_query_duration_seconds_bucket{SEL}[RI])))", "{{op}}")]),
        panel("Database pool", "short",
              [q('sum(tern_auth_db_pool_connections{SEL, state="in_use"})', "in use"),
               q("sum(tern_auth_db_pool_open_connections{SEL})", "open"),
               q(rate("tern_auth_db_errors_total", "kind"), "errors {{kind}}")]),
    ]
    overview = [
        panel("Services up", "short",
              [q('sum by (job) (up{job=~"tern-.*", SEL})', "{{job}}")]),
        panel("Connections open by gateway", "short",
              [q("sum(tern_smtp_connections_active{SEL})", "smtp"),
               q("sum(tern_imap_connections_active{SEL})", "imap"),
               q("sum(tern_pop3_connections_active{SEL})", "pop3")]),
        panel("Messages stored and fetched", "ops",
              [q(rate("tern_storage_messages_stored_total"), "stored"),
               q(rate("tern_imap_fetched_messages_total"), "fetched over IMAP")]),
        panel("Failed and throttled logins", "ops",
              [q(rate("tern_auth_attempts_total", "result", 'result!="ok"'), "{{result}}")]),
        panel("Storage RPC errors", "reqps",
              [q(rate("tern_storage_rpc_duration_seconds_count", "method", 'code!="ok"'),
                 "{{method}}")]),
        panel("Outbound queue", "short",
              [q("max by (state) (tern_storage_outbound_jobs{SEL})", "{{state}}")]),
    ]
    return {
        "tern-overview": dashboard("tern-overview", "Tern / Overview", overview),
        "tern-smtp": dashboard("tern-smtp", "Tern / SMTP", smtp),
        "tern-imap": dashboard("tern-imap", "Tern / IMAP", imap),
        "tern-pop3": dashboard("tern-pop3", "Tern / POP3", pop3),
        "tern-storage": dashboard("tern-storage", "Tern / Storage", storage),
        "tern-auth": dashboard("tern-auth", "Tern / Auth", auth),
        "tern-queue": dashboard("tern-queue", "Tern / Outbound queue", queue),
    }


def main():
    check = "--check" in sys.argv[1:]
    stale = []
    for name, dash in dashboards().items():
        path = os.path.join(HERE, name + ".json")
        text = json.dumps(dash, indent=2) + "\n"
        if check:
            try:
                with open(path, encoding="utf-8") as f:
                    if f.read() != text:
                        stale.append(path)
            except OSError:
                stale.append(path)
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
    if stale:
        print("not what deploy/grafana/dashboards.py writes (run it): " + " ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
