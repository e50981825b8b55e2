"""tools/cluster.py without starting anything: the proxy's configuration and the 1-vs-2 summary."""
from tools.cluster import nginx_conf, stores_yaml, summarize


def test_the_proxy_spreads_over_every_instance_and_sends_a_failed_message_on(tmp_path):
    (tmp_path / "index.html").write_text("<script>x()</script>", encoding="utf-8")
    conf = nginx_conf(tmp_path / "nginx", tmp_path, 8001, [9001, 9002], single_port=8002)
    both, single = conf.split("upstream stodlotsen_en")
    assert "server 127.0.0.1:9001" in both and "server 127.0.0.1:9002" in both
    assert "server 127.0.0.1:9001" in single and "9002" not in single.split("server {")[0]
    assert "listen 127.0.0.1:8001;" in conf and "listen 127.0.0.1:8002;" in conf  # loopback only
    assert conf.count("proxy_next_upstream error http_502 http_503 non_idempotent;") == 2
    assert conf.count("proxy_set_header X-Request-Id $request_id;") == 2  # a message sent again is handled once
    assert "access_log off;" in conf and "server_tokens off;" in conf
    assert "'sha256-" in conf  # the demo page's inline script is allowed by its hash, nothing else
    assert "location / { return 404; }" in conf  # Rasa's API is not reachable through the proxy


def test_the_instances_share_the_database_and_redis():
    stores = stores_yaml(5433, 6380)
    assert "dialect: \"postgresql\"" in stores and "port: 5433" in stores
    assert "AtomicRedisLockStore" in stores and "port: 6380" in stores
    assert "host:" not in stores  # Rasa passes the server as url; host: would be given twice


def test_the_summary_takes_the_median_of_the_repeats_and_the_ratio():
    def run(rate, p95, lost=0):
        return {"throughput_msg_s": rate, "latency_ms": {"p95": p95}, "lost": lost, "errors": 0, "static_replies": 0}

    summary = summarize({"1": [run(50, 900), run(60, 700), run(55, 800)], "2": [run(70, 600), run(80, 500), run(75, 550)]})
    assert summary["per_instances"]["1"]["throughput_msg_s"] == 55
    assert summary["per_instances"]["2"]["p95_ms"] == 550
    assert summary["throughput_ratio"] == round(75 / 55, 3)
