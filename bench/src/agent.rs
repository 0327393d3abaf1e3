//! Agent tunnel benchmarks (`PERISCOPE_BENCH=agent`): the same cluster reached directly and
//! through the real `periscope-agent` over one tunnel, in the same server process. The first
//! page of a 10k-pod list sorted by name (cold and warm) and a kubectl-proxy page of 100 pods
//! (always upstream), tunnel vs direct; delta latency of 200 live streams (separate upstream
//! watches) while 20 exec sessions stream output over the same tunnel; and how long a restarted
//! agent takes to be connected and serving again.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use futures::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, PostParams};
use periscope_testkit::{
    Server, TestCluster, TestNamespace, cluster,
    exec::{Terminal, command_param, exec_url, running_pod},
    free_port, sse,
    tunnel::{AgentLaunch, AgentProcess, agent_server, mint_token, wait_connected},
};
use serde_json::{Value, json};

use crate::{
    admin_client,
    lists::{fill, namespace_for, timed_get},
    percentile, summary,
};

const PODS: usize = 10_000;
const WARM_PAIRS: usize = 300;
const STREAMS: usize = 200;
const EXEC_SESSIONS: usize = 20;
/// Changes per stream in the live-stream benchmark, one stream at a time, paced.
const ROUNDS: usize = 3;
const CHANGE_EVERY: Duration = Duration::from_millis(20);
const RESTARTS: usize = 5;
const WAIT: Duration = Duration::from_secs(30);

/// The agent binary: `PERISCOPE_AGENT_BIN`, else `periscope-agent` beside the server binary.
fn agent_binary(server: &Path) -> anyhow::Result<PathBuf> {
    let path = std::env::var_os("PERISCOPE_AGENT_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| server.with_file_name("periscope-agent"));
    anyhow::ensure!(path.is_file(), "build the agent first: {} is missing", path.display());
    Ok(path)
}

fn uptime() -> String {
    std::process::Command::new("uptime")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

/// A server and its tunnel, with one agent cluster `tunneled` (plus `extra_clusters` YAML).
struct Tunneled {
    server: Server,
    tunnel: String,
    cluster: String,
    kubeconfig: PathBuf,
    agent_binary: PathBuf,
    state: tempfile::TempDir,
    _ca_dir: tempfile::TempDir,
}

impl Tunneled {
    fn start(binary: &Path, agent: &Path, tunneled: &str, kubeconfig: PathBuf, extra_clusters: &str) -> Tunneled {
        let ca_dir = tempfile::tempdir().expect("ca dir");
        let tunnel = format!("127.0.0.1:{}", free_port());
        let clusters = format!("clusters:\n  - name: {tunneled}\n    backend: agent\n{extra_clusters}");
        // Access logs off; room for 200 streams and 20 terminals of one dev identity.
        let env = [
            ("PERISCOPE_LOG", "warn,periscope::cli=info"),
            ("PERISCOPE_MAX_STREAMS_PER_USER", "0"),
            ("PERISCOPE_EXEC_MAX_SESSIONS_PER_USER", "50"),
        ];
        let server = agent_server(binary, &clusters, ca_dir.path(), &tunnel, &env);
        Tunneled {
            server,
            tunnel,
            cluster: tunneled.to_string(),
            kubeconfig,
            agent_binary: agent.to_path_buf(),
            state: tempfile::tempdir().expect("state dir"),
            _ca_dir: ca_dir,
        }
    }

    /// Starts the agent (registering it with a fresh token the first time) and waits until connected.
    async fn agent(&self) -> AgentProcess {
        let registered = self.state.path().join("client.crt").is_file();
        let token = if registered { None } else { Some(mint_token(&self.server, &self.cluster).await) };
        let agent = AgentLaunch {
            binary: &self.agent_binary,
            server: &self.server,
            tunnel: &self.tunnel,
            cluster: &self.cluster,
            state_dir: self.state.path(),
            kubeconfig: &self.kubeconfig,
            token: token.as_deref(),
            extra: &[],
        }
        .start();
        wait_connected(&self.server, &self.cluster, true, WAIT).await;
        agent
    }
}

/// Warm samples of `urls[0]` and `urls[1]` alternating request by request, sorted.
async fn alternate(http: &reqwest::Client, urls: [&str; 2], pairs: usize) -> anyhow::Result<[Vec<f64>; 2]> {
    let (mut a, mut b) = (Vec::with_capacity(pairs), Vec::with_capacity(pairs));
    for _ in 0..pairs {
        a.push(timed_get(http, urls[0]).await?.0);
        b.push(timed_get(http, urls[1]).await?.0);
    }
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    Ok([a, b])
}

/// Tunnel vs direct on the `bench` cluster's 10k pods: the console's first page sorted by name
/// (cold: each cluster's first read on a fresh server; warm: served from the server's store) and
/// the kubectl proxy's first 100 pods (every request goes to the apiserver).
async fn lists(t: &Tunneled, ns: &str) -> anyhow::Result<Value> {
    let _agent = t.agent().await;
    let http = reqwest::Client::new();
    let page =
        |c: &str| t.server.url(&format!("/api/clusters/{c}/resources/core/v1/pods?namespace={ns}&sort=name&limit=100"));
    let proxied = |c: &str| t.server.url(&format!("/api/clusters/{c}/k8s/api/v1/namespaces/{ns}/pods?limit=100"));
    let (tunnel_page, direct_page) = (page(&t.cluster), page("bench"));
    let (cold_tunnel, body) = timed_get(&http, &tunnel_page).await?;
    anyhow::ensure!(body["total"].as_u64() == Some(PODS as u64), "tunnel total {} != {PODS}", body["total"]);
    let (cold_direct, body) = timed_get(&http, &direct_page).await?;
    anyhow::ensure!(body["items"][0]["name"] == "pod-000000", "sorted by name: {}", body["items"][0]);
    let [warm_tunnel, warm_direct] = alternate(&http, [&tunnel_page, &direct_page], WARM_PAIRS).await?;
    let [proxy_tunnel, proxy_direct] = alternate(&http, [&proxied(&t.cluster), &proxied("bench")], WARM_PAIRS).await?;
    let added = |a: &[f64], b: &[f64], p: f64| percentile(a, p) - percentile(b, p);
    println!(
        "agent-lists[{PODS}]: cold tunnel {cold_tunnel:.0} ms / direct {cold_direct:.0} ms; warm p95 tunnel {:.2} / direct {:.2} ms (added {:.2}); proxy p95 tunnel {:.2} / direct {:.2} ms (added {:.2})",
        percentile(&warm_tunnel, 95.0),
        percentile(&warm_direct, 95.0),
        added(&warm_tunnel, &warm_direct, 95.0),
        percentile(&proxy_tunnel, 95.0),
        percentile(&proxy_direct, 95.0),
        added(&proxy_tunnel, &proxy_direct, 95.0),
    );
    let side =
        |s: &[f64]| json!({"p50_ms": percentile(s, 50.0), "p95_ms": percentile(s, 95.0), "max_ms": s[s.len() - 1]});
    Ok(json!({
        "pods": PODS,
        "pairs": WARM_PAIRS,
        "first_page_sorted_by_name": {
            "cold_tunnel_ms": cold_tunnel,
            "cold_direct_ms": cold_direct,
            "cold_added_ms": cold_tunnel - cold_direct,
            "warm_tunnel": side(&warm_tunnel),
            "warm_direct": side(&warm_direct),
            "warm_added_p50_ms": added(&warm_tunnel, &warm_direct, 50.0),
            "warm_added_p95_ms": added(&warm_tunnel, &warm_direct, 95.0),
        },
        "kubectl_proxy_first_100_pods": {
            "tunnel": side(&proxy_tunnel),
            "direct": side(&proxy_direct),
            "added_p50_ms": added(&proxy_tunnel, &proxy_direct, 50.0),
            "added_p95_ms": added(&proxy_tunnel, &proxy_direct, 95.0),
        },
    }))
}

/// 200 SSE streams of the configmaps of one namespace of `beta`, each with its own label
/// selector (so each is its own upstream watch through the tunnel), and 20 exec sessions
/// printing ten lines a second, all over one tunnel; each stream gets `ROUNDS` configmaps of
/// its label, created one at a time every `CHANGE_EVERY`: ms from the create call to the
/// `added` event at the stream's client.
async fn live(t: &Tunneled, beta: &TestCluster) -> anyhow::Result<Value> {
    let _agent = t.agent().await;
    let ns = TestNamespace::new(beta, "bench-agent");
    running_pod(beta, &ns, "box");
    let http = sse::client();
    let opened = futures::stream::iter(0..STREAMS)
        .map(|i| {
            let url = t.server.url(&format!(
                "/api/clusters/{}/watch/core/v1/configmaps?namespace={}&labelSelector=w%3D{i}",
                t.cluster, ns.name
            ));
            let http = http.clone();
            async move {
                let mut stream = sse::open(&http, &url, None).await.map_err(|e| anyhow::anyhow!("{url}: {e:?}"))?;
                let snapshot = stream.next(WAIT).await.ok_or_else(|| anyhow::anyhow!("no snapshot on {url}"))?;
                anyhow::ensure!(snapshot.event == "snapshot", "{url}: first event {snapshot:?}");
                anyhow::Ok((i, stream))
            }
        })
        .buffer_unordered(20)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<Vec<_>>>()?;
    // Each stream's reader reports (its index, the configmap's name, when it arrived).
    let (seen_tx, mut seen_rx) = tokio::sync::mpsc::unbounded_channel();
    let readers: Vec<_> = opened
        .into_iter()
        .map(|(i, mut stream)| {
            let seen_tx = seen_tx.clone();
            tokio::spawn(async move {
                while let Some(event) = stream.next(Duration::from_secs(120)).await {
                    if event.event == "added"
                        && let Some(name) = event.data["object"]["name"].as_str()
                    {
                        let _ = seen_tx.send((i, name.to_string(), Instant::now()));
                    }
                }
            })
        })
        .collect();
    drop(seen_tx);

    let changes = STREAMS * ROUNDS;
    let busy = CHANGE_EVERY * changes as u32 + Duration::from_secs(5);
    let mut terms = Vec::with_capacity(EXEC_SESSIONS);
    let script = format!("for i in $(seq {}); do echo tick $i; sleep 0.1; done", busy.as_secs() * 10 + 100);
    let query = format!("container=shell&tty=false&command={}", command_param(&["sh", "-c", &script]));
    for _ in 0..EXEC_SESSIONS {
        let url = exec_url(&t.server.base_url, &t.cluster, &ns.name, "box", &query);
        let mut term = Terminal::open(&url, &t.server.base_url, &[])
            .await
            .map_err(|(status, body)| anyhow::anyhow!("exec refused: {status} {body}"))?;
        anyhow::ensure!(term.hello(WAIT).await, "no exec hello: {:?}", term.controls);
        terms.push(term);
    }

    let admin: Api<ConfigMap> = Api::namespaced(admin_client(beta).await?, &ns.name);
    let change = async {
        let mut sent = HashMap::with_capacity(changes);
        let mut next = Instant::now();
        for round in 0..ROUNDS {
            for i in 0..STREAMS {
                tokio::time::sleep_until(next.into()).await;
                next += CHANGE_EVERY;
                let name = format!("w{i}-r{round}");
                let cm: ConfigMap =
                    serde_json::from_value(json!({"metadata": {"name": name, "labels": {"w": i.to_string()}}}))?;
                let before = Instant::now();
                admin.create(&PostParams::default(), &cm).await?;
                sent.insert(name, (i, before, Instant::now()));
            }
        }
        anyhow::Ok(sent)
    };
    let exec_load = futures::future::join_all(terms.iter_mut().map(|t| t.until(busy, |_| false)));
    let (sent, _) = tokio::join!(change, exec_load);
    let sent = sent?;
    let exec_bytes: usize = terms.iter().map(|t| t.output.len()).sum();
    drop(terms);

    let (mut from_call, mut from_return, mut misrouted) = (Vec::new(), Vec::new(), 0);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while from_call.len() + misrouted < changes {
        let Ok(Some((i, name, at))) = tokio::time::timeout_at(deadline, seen_rx.recv()).await else { break };
        match sent.get(&name) {
            Some((want, before, after)) if *want == i => {
                from_call.push((at - *before).as_secs_f64() * 1000.0);
                from_return.push(at.saturating_duration_since(*after).as_secs_f64() * 1000.0);
            }
            _ => misrouted += 1,
        }
    }
    readers.iter().for_each(|r| r.abort());
    anyhow::ensure!(!from_call.is_empty(), "no delta arrived");
    let missing = changes - from_call.len();
    from_call.sort_by(f64::total_cmp);
    from_return.sort_by(f64::total_cmp);
    println!(
        "agent-live[{STREAMS} streams, {EXEC_SESSIONS} exec]: delta p50 {:.1} ms p99 {:.1} ms (from the create's return p99 {:.1} ms); {missing} missing, {misrouted} misrouted; exec output {} KiB",
        percentile(&from_call, 50.0),
        percentile(&from_call, 99.0),
        percentile(&from_return, 99.0),
        exec_bytes / 1024
    );
    Ok(json!({
        "streams": STREAMS,
        "exec_sessions": EXEC_SESSIONS,
        "changes": changes,
        "change_every_ms": CHANGE_EVERY.as_millis(),
        "delta_from_create_call": summary(&from_call),
        "delta_from_create_call_p99_ms": percentile(&from_call, 99.0),
        "delta_from_create_return": summary(&from_return),
        "deltas_missing": missing,
        "deltas_on_the_wrong_stream": misrouted,
        "exec_output_bytes": exec_bytes,
    }))
}

/// The agent killed and started again (its stored certificate, no token): ms from the start
/// until `GET /api/agents` shows it connected, and until a proxied request through it succeeds.
async fn reconnect(t: &Tunneled) -> anyhow::Result<Value> {
    let probe = t.server.url(&format!("/api/clusters/{}/k8s/api/v1/namespaces/default", t.cluster));
    let http = reqwest::Client::new();
    drop(t.agent().await);
    let (mut connected, mut serving) = (Vec::new(), Vec::new());
    for _ in 0..RESTARTS {
        wait_connected(&t.server, &t.cluster, false, WAIT).await;
        let started = Instant::now();
        let agent = t.agent().await;
        connected.push(started.elapsed().as_secs_f64() * 1000.0);
        while !http.get(&probe).send().await.is_ok_and(|r| r.status().is_success()) {
            anyhow::ensure!(started.elapsed() < WAIT, "no request through the restarted agent in {WAIT:?}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        serving.push(started.elapsed().as_secs_f64() * 1000.0);
        drop(agent);
    }
    connected.sort_by(f64::total_cmp);
    serving.sort_by(f64::total_cmp);
    println!(
        "agent-reconnect: connected max {:.0} ms, serving max {:.0} ms over {RESTARTS} restarts",
        connected[RESTARTS - 1],
        serving[RESTARTS - 1]
    );
    Ok(json!({
        "restarts": RESTARTS,
        "until_connected_ms": connected,
        "until_a_request_succeeds_ms": serving,
        "until_a_request_succeeds_max_ms": serving[RESTARTS - 1],
    }))
}

/// Runs the agent benchmarks and writes bench/results/agent.json.
pub async fn run(binary: &Path, dir: &Path) -> anyhow::Result<()> {
    let agent = agent_binary(binary)?;
    let load_before = uptime();
    let bench = cluster("bench");
    let ns = namespace_for(PODS);
    fill(&admin_client(&bench).await?, &ns, PODS).await?;
    let direct = format!(
        "  - name: bench\n    backend: kubeconfig\n    kubeconfigPath: {}\n",
        bench.bridge_kubeconfig().display()
    );
    let on_bench = Tunneled::start(binary, &agent, "bench-tunnel", bench.bridge_kubeconfig(), &direct);
    let lists = lists(&on_bench, &ns).await?;
    let reconnect = reconnect(&on_bench).await?;
    drop(on_bench);
    let beta = cluster("beta");
    let on_beta = Tunneled::start(binary, &agent, "beta", beta.bridge_kubeconfig(), "");
    let live = live(&on_beta, &beta).await?;
    drop(on_beta);
    let added_p95 = lists["first_page_sorted_by_name"]["warm_added_p95_ms"].as_f64().unwrap_or(f64::MAX);
    let proxy_added_p95 = lists["kubectl_proxy_first_100_pods"]["added_p95_ms"].as_f64().unwrap_or(f64::MAX);
    let delta_p99 = live["delta_from_create_call_p99_ms"].as_f64().unwrap_or(f64::MAX);
    let back = reconnect["until_a_request_succeeds_max_ms"].as_f64().unwrap_or(f64::MAX);
    let report = json!({
        "benchmark": "agent",
        "what": "one server process reaching a cluster directly (its bridge kubeconfig) and through the real periscope-agent over the mTLS yamux tunnel (same bridge kubeconfig, on this machine: the tunnel's cost without a network), release builds, dev-mode admin, loopback",
        "targets": {"first_page_added_p95_ms": 5.0, "live_delta_p99_ms": 150.0, "reconnect_ms": 10000.0},
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "uptime_before": load_before,
        "uptime_after": uptime(),
        "lists_bench_10k": lists,
        "live_streams_and_exec_beta": live,
        "reconnect_after_agent_restart": reconnect,
        "verdict": {
            "first_page_warm_added_p95_ok": added_p95 <= 5.0,
            "kubectl_proxy_added_p95_ok": proxy_added_p95 <= 5.0,
            "live_delta_p99_ok": delta_p99 <= 150.0,
            "reconnect_ok": back <= 10_000.0,
        },
    });
    std::fs::write(dir.join("agent.json"), serde_json::to_string_pretty(&report)? + "\n")?;
    println!("wrote bench/results/agent.json");
    Ok(())
}
