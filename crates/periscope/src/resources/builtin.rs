//! The list projections of the built-in kinds: the columns an operator scans for, computed once
//! per object (lists and, later, live deltas share them).

use serde_json::{Map, Value, json};

use super::projection::{Column, Projection, at, col};

const NAME: Column = col("name", "Name");
const NAMESPACE_COL: Column = col("namespace", "Namespace");
const AGE: Column = col("createdAt", "Age");

fn copy(row: &mut Map<String, Value>, key: &str, value: &Value) {
    row.insert(key.into(), value.clone());
}

fn int(value: &Value) -> i64 {
    value.as_i64().unwrap_or(0)
}

/// `a,b,c` of a JSON array of strings (or of one field of each element), for compact cells.
fn joined(values: &Value, field: Option<&str>) -> Value {
    let parts: Vec<&str> = values
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
        .iter()
        .filter_map(|v| field.map_or(Some(v), |f| v.get(f)).and_then(Value::as_str))
        .collect();
    if parts.is_empty() { Value::Null } else { json!(parts.join(",")) }
}

/// A condition's status (`True`/`False`/`Unknown`) by type, or null.
fn condition<'a>(status: &'a Value, kind: &str) -> &'a Value {
    status
        .get("conditions")
        .and_then(Value::as_array)
        .and_then(|cs| cs.iter().find(|c| c.get("type").and_then(Value::as_str) == Some(kind)))
        .map_or(&Value::Null, |c| at(c, &["status"]))
}

/// Namespaces: name, phase, age.
pub const NAMESPACE: Projection = Projection {
    columns: &[col("name", "Name"), col("phase", "Status"), col("createdAt", "Age")],
    fill: |obj, row| {
        row.insert("phase".into(), at(&obj.data, &["status", "phase"]).clone());
    },
};

/// Pods: phase (or the waiting/terminated reason kubectl would show), ready `n/m`,
/// restarts, node, IP, age.
pub const POD: Projection = Projection {
    columns: &[
        col("name", "Name"),
        col("namespace", "Namespace"),
        col("ready", "Ready"),
        col("status", "Status"),
        col("restarts", "Restarts"),
        col("node", "Node"),
        col("ip", "IP"),
        col("createdAt", "Age"),
    ],
    fill: |obj, row| {
        let status = at(&obj.data, &["status"]);
        let statuses = at(status, &["containerStatuses"]).as_array().map(Vec::as_slice).unwrap_or(&[]);
        let total = at(&obj.data, &["spec", "containers"]).as_array().map_or(statuses.len(), Vec::len);
        let ready = statuses.iter().filter(|c| c.get("ready") == Some(&Value::Bool(true))).count();
        let restarts: i64 = statuses.iter().filter_map(|c| c.get("restartCount").and_then(Value::as_i64)).sum();
        let phase = at(status, &["phase"]).as_str().unwrap_or("Unknown");
        let reason = statuses.iter().find_map(|c| {
            at(c, &["state", "waiting", "reason"])
                .as_str()
                .or_else(|| at(c, &["state", "terminated", "reason"]).as_str())
        });
        let shown = if obj.metadata.deletion_timestamp.is_some() {
            "Terminating"
        } else {
            reason.or_else(|| at(status, &["reason"]).as_str()).unwrap_or(phase)
        };
        row.insert("phase".into(), json!(phase));
        row.insert("status".into(), json!(shown));
        row.insert("ready".into(), json!(format!("{ready}/{total}")));
        row.insert("restarts".into(), json!(restarts));
        row.insert("node".into(), at(&obj.data, &["spec", "nodeName"]).clone());
        row.insert("ip".into(), at(status, &["podIP"]).clone());
    },
};

/// Desired/ready/updated/available of a Deployment or StatefulSet, and whether its rollout is
/// stuck (`Progressing=False`, e.g. ProgressDeadlineExceeded).
fn rollout(obj: &Value, row: &mut Map<String, Value>) {
    let desired = at(obj, &["spec", "replicas"]).as_i64().unwrap_or(1);
    let status = at(obj, &["status"]);
    let ready = int(at(status, &["readyReplicas"]));
    row.insert("desired".into(), json!(desired));
    row.insert("readyReplicas".into(), json!(ready));
    row.insert("ready".into(), json!(format!("{ready}/{desired}")));
    row.insert("updated".into(), json!(int(at(status, &["updatedReplicas"]))));
    row.insert("available".into(), json!(int(at(status, &["availableReplicas"]))));
    row.insert("stuck".into(), json!(condition(status, "Progressing") == "False"));
}

const WORKLOAD_COLUMNS: &[Column] = &[
    NAME,
    NAMESPACE_COL,
    col("ready", "Ready"),
    col("updated", "Up-to-date"),
    col("available", "Available"),
    col("stuck", "Stuck"),
    AGE,
];

/// Deployments: ready n/m, up-to-date, available, stuck rollout, age.
pub const DEPLOYMENT: Projection = Projection { columns: WORKLOAD_COLUMNS, fill: |obj, row| rollout(&obj.data, row) };

/// StatefulSets: as Deployments.
pub const STATEFULSET: Projection = Projection { columns: WORKLOAD_COLUMNS, fill: |obj, row| rollout(&obj.data, row) };

/// ReplicaSets: desired, current, ready.
pub const REPLICASET: Projection = Projection {
    columns: &[NAME, NAMESPACE_COL, col("desired", "Desired"), col("current", "Current"), col("ready", "Ready"), AGE],
    fill: |obj, row| {
        row.insert("desired".into(), json!(at(&obj.data, &["spec", "replicas"]).as_i64().unwrap_or(1)));
        row.insert("current".into(), json!(int(at(&obj.data, &["status", "replicas"]))));
        row.insert("ready".into(), json!(int(at(&obj.data, &["status", "readyReplicas"]))));
    },
};

/// DaemonSets: desired, current, ready, up-to-date, available.
pub const DAEMONSET: Projection = Projection {
    columns: &[
        NAME,
        NAMESPACE_COL,
        col("desired", "Desired"),
        col("current", "Current"),
        col("ready", "Ready"),
        col("updated", "Up-to-date"),
        col("available", "Available"),
        AGE,
    ],
    fill: |obj, row| {
        let status = at(&obj.data, &["status"]);
        for (key, field) in [
            ("desired", "desiredNumberScheduled"),
            ("current", "currentNumberScheduled"),
            ("ready", "numberReady"),
            ("updated", "updatedNumberScheduled"),
            ("available", "numberAvailable"),
        ] {
            row.insert(key.into(), json!(int(at(status, &[field]))));
        }
    },
};

/// Jobs: completions n/m, status, duration inputs.
pub const JOB: Projection = Projection {
    columns: &[NAME, NAMESPACE_COL, col("completions", "Completions"), col("status", "Status"), AGE],
    fill: |obj, row| {
        let status = at(&obj.data, &["status"]);
        let wanted = at(&obj.data, &["spec", "completions"]).as_i64().unwrap_or(1);
        let succeeded = int(at(status, &["succeeded"]));
        row.insert("completions".into(), json!(format!("{succeeded}/{wanted}")));
        let shown = if condition(status, "Complete") == "True" {
            "Complete"
        } else if condition(status, "Failed") == "True" {
            "Failed"
        } else if condition(status, "Suspended") == "True" {
            "Suspended"
        } else {
            "Running"
        };
        row.insert("status".into(), json!(shown));
        copy(row, "startTime", at(status, &["startTime"]));
        copy(row, "completionTime", at(status, &["completionTime"]));
    },
};

/// CronJobs: schedule, suspended, active jobs, last schedule.
pub const CRONJOB: Projection = Projection {
    columns: &[
        NAME,
        NAMESPACE_COL,
        col("schedule", "Schedule"),
        col("suspend", "Suspend"),
        col("active", "Active"),
        col("lastSchedule", "Last schedule"),
        AGE,
    ],
    fill: |obj, row| {
        copy(row, "schedule", at(&obj.data, &["spec", "schedule"]));
        row.insert("suspend".into(), json!(at(&obj.data, &["spec", "suspend"]).as_bool().unwrap_or(false)));
        row.insert("active".into(), json!(at(&obj.data, &["status", "active"]).as_array().map_or(0, Vec::len)));
        copy(row, "lastSchedule", at(&obj.data, &["status", "lastScheduleTime"]));
    },
};

/// Nodes: Ready status (and cordoned), roles, kubelet version, internal IP.
pub const NODE: Projection = Projection {
    columns: &[
        NAME,
        col("status", "Status"),
        col("roles", "Roles"),
        col("version", "Version"),
        col("ip", "Internal IP"),
        AGE,
    ],
    fill: |obj, row| {
        let status = at(&obj.data, &["status"]);
        let ready = if condition(status, "Ready") == "True" { "Ready" } else { "NotReady" };
        let cordoned = at(&obj.data, &["spec", "unschedulable"]).as_bool().unwrap_or(false);
        row.insert("status".into(), json!(if cordoned { format!("{ready},SchedulingDisabled") } else { ready.into() }));
        row.insert("unschedulable".into(), json!(cordoned));
        let mut roles: Vec<&str> = obj
            .metadata
            .labels
            .iter()
            .flatten()
            .filter_map(|(k, _)| k.strip_prefix("node-role.kubernetes.io/"))
            .collect();
        roles.sort_unstable();
        row.insert("roles".into(), if roles.is_empty() { Value::Null } else { json!(roles.join(",")) });
        copy(row, "version", at(status, &["nodeInfo", "kubeletVersion"]));
        let ip = at(status, &["addresses"]).as_array().and_then(|a| {
            a.iter().find(|x| x.get("type").and_then(Value::as_str) == Some("InternalIP")).map(|x| at(x, &["address"]))
        });
        copy(row, "ip", ip.unwrap_or(&Value::Null));
    },
};

/// Services: type, cluster IP, external IPs, ports.
pub const SERVICE: Projection = Projection {
    columns: &[
        NAME,
        NAMESPACE_COL,
        col("type", "Type"),
        col("clusterIP", "Cluster IP"),
        col("externalIP", "External IP"),
        col("ports", "Ports"),
        AGE,
    ],
    fill: |obj, row| {
        let spec = at(&obj.data, &["spec"]);
        copy(row, "type", at(spec, &["type"]));
        copy(row, "clusterIP", at(spec, &["clusterIP"]));
        let external = joined(at(&obj.data, &["status", "loadBalancer", "ingress"]), Some("ip"));
        row.insert(
            "externalIP".into(),
            if external.is_null() { joined(at(spec, &["externalIPs"]), None) } else { external },
        );
        let ports: Vec<String> = at(spec, &["ports"])
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .map(|p| {
                let port = int(at(p, &["port"]));
                let proto = at(p, &["protocol"]).as_str().unwrap_or("TCP");
                match at(p, &["nodePort"]).as_i64() {
                    Some(node) => format!("{port}:{node}/{proto}"),
                    None => format!("{port}/{proto}"),
                }
            })
            .collect();
        row.insert("ports".into(), if ports.is_empty() { Value::Null } else { json!(ports.join(",")) });
    },
};

/// Ingresses: class, hosts, addresses.
pub const INGRESS: Projection = Projection {
    columns: &[NAME, NAMESPACE_COL, col("class", "Class"), col("hosts", "Hosts"), col("address", "Address"), AGE],
    fill: |obj, row| {
        copy(row, "class", at(&obj.data, &["spec", "ingressClassName"]));
        row.insert("hosts".into(), joined(at(&obj.data, &["spec", "rules"]), Some("host")));
        let lb = at(&obj.data, &["status", "loadBalancer", "ingress"]);
        let ip = joined(lb, Some("ip"));
        row.insert("address".into(), if ip.is_null() { joined(lb, Some("hostname")) } else { ip });
    },
};

/// Number of keys under `data` (and `binaryData`): ConfigMaps and Secrets show counts, never values.
fn key_count(obj: &Value) -> usize {
    ["data", "binaryData"].iter().filter_map(|f| obj.get(*f).and_then(Value::as_object)).map(|m| m.len()).sum()
}

/// ConfigMaps: number of keys.
pub const CONFIGMAP: Projection = Projection {
    columns: &[NAME, NAMESPACE_COL, col("keys", "Data"), AGE],
    fill: |obj, row| {
        row.insert("keys".into(), json!(key_count(&obj.data)));
    },
};

/// Secrets: type and number of keys (values never leave the server in a list).
pub const SECRET: Projection = Projection {
    columns: &[NAME, NAMESPACE_COL, col("type", "Type"), col("keys", "Data"), AGE],
    fill: |obj, row| {
        copy(row, "type", at(&obj.data, &["type"]));
        row.insert("keys".into(), json!(key_count(&obj.data)));
    },
};

/// PersistentVolumeClaims: status, volume, capacity, access modes, storage class.
pub const PVC: Projection = Projection {
    columns: &[
        NAME,
        NAMESPACE_COL,
        col("status", "Status"),
        col("volume", "Volume"),
        col("capacity", "Capacity"),
        col("accessModes", "Access modes"),
        col("storageClass", "Storage class"),
        AGE,
    ],
    fill: |obj, row| {
        copy(row, "status", at(&obj.data, &["status", "phase"]));
        copy(row, "volume", at(&obj.data, &["spec", "volumeName"]));
        copy(row, "capacity", at(&obj.data, &["status", "capacity", "storage"]));
        row.insert("accessModes".into(), joined(at(&obj.data, &["spec", "accessModes"]), None));
        copy(row, "storageClass", at(&obj.data, &["spec", "storageClassName"]));
    },
};

/// PersistentVolumes: capacity, access modes, reclaim policy, status, claim, storage class.
pub const PV: Projection = Projection {
    columns: &[
        NAME,
        col("capacity", "Capacity"),
        col("accessModes", "Access modes"),
        col("reclaimPolicy", "Reclaim policy"),
        col("status", "Status"),
        col("claim", "Claim"),
        col("storageClass", "Storage class"),
        AGE,
    ],
    fill: |obj, row| {
        let spec = at(&obj.data, &["spec"]);
        copy(row, "capacity", at(spec, &["capacity", "storage"]));
        row.insert("accessModes".into(), joined(at(spec, &["accessModes"]), None));
        copy(row, "reclaimPolicy", at(spec, &["persistentVolumeReclaimPolicy"]));
        copy(row, "status", at(&obj.data, &["status", "phase"]));
        let claim = at(spec, &["claimRef"]);
        let claim = match (at(claim, &["namespace"]).as_str(), at(claim, &["name"]).as_str()) {
            (Some(ns), Some(name)) => json!(format!("{ns}/{name}")),
            _ => Value::Null,
        };
        row.insert("claim".into(), claim);
        copy(row, "storageClass", at(spec, &["storageClassName"]));
    },
};

/// StorageClasses: provisioner, reclaim policy, binding mode, default.
pub const STORAGECLASS: Projection = Projection {
    columns: &[
        NAME,
        col("provisioner", "Provisioner"),
        col("reclaimPolicy", "Reclaim policy"),
        col("bindingMode", "Binding mode"),
        col("default", "Default"),
        AGE,
    ],
    fill: |obj, row| {
        copy(row, "provisioner", at(&obj.data, &["provisioner"]));
        copy(row, "reclaimPolicy", at(&obj.data, &["reclaimPolicy"]));
        copy(row, "bindingMode", at(&obj.data, &["volumeBindingMode"]));
        let default = obj
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get("storageclass.kubernetes.io/is-default-class"))
            .is_some_and(|v| v == "true");
        row.insert("default".into(), json!(default));
    },
};

fn binding(obj: &kube::api::DynamicObject, row: &mut Map<String, Value>) {
    let role = at(&obj.data, &["roleRef"]);
    let name = |v: &Value, key: &str| at(v, &[key]).as_str().unwrap_or("").to_string();
    row.insert("role".into(), json!(format!("{}/{}", name(role, "kind"), name(role, "name"))));
    row.insert("subjects".into(), joined(at(&obj.data, &["subjects"]), Some("name")));
}

/// RoleBindings: the role and the subjects.
pub const ROLEBINDING: Projection = Projection {
    columns: &[NAME, NAMESPACE_COL, col("role", "Role"), col("subjects", "Subjects"), AGE],
    fill: binding,
};

/// ClusterRoleBindings: as RoleBindings, without a namespace.
pub const CLUSTERROLEBINDING: Projection =
    Projection { columns: &[NAME, col("role", "Role"), col("subjects", "Subjects"), AGE], fill: binding };

fn rules(obj: &kube::api::DynamicObject, row: &mut Map<String, Value>) {
    row.insert("rules".into(), json!(at(&obj.data, &["rules"]).as_array().map_or(0, Vec::len)));
}

/// Roles: number of rules.
pub const ROLE: Projection = Projection { columns: &[NAME, NAMESPACE_COL, col("rules", "Rules"), AGE], fill: rules };

/// ClusterRoles: number of rules.
pub const CLUSTERROLE: Projection = Projection { columns: &[NAME, col("rules", "Rules"), AGE], fill: rules };

/// ServiceAccounts: number of listed secrets.
pub const SERVICEACCOUNT: Projection = Projection {
    columns: &[NAME, NAMESPACE_COL, col("secrets", "Secrets"), AGE],
    fill: |obj, row| {
        row.insert("secrets".into(), json!(at(&obj.data, &["secrets"]).as_array().map_or(0, Vec::len)));
    },
};

/// HorizontalPodAutoscalers: target, min/max, current replicas.
pub const HPA: Projection = Projection {
    columns: &[
        NAME,
        NAMESPACE_COL,
        col("target", "Reference"),
        col("minReplicas", "Min"),
        col("maxReplicas", "Max"),
        col("replicas", "Replicas"),
        AGE,
    ],
    fill: |obj, row| {
        let target = at(&obj.data, &["spec", "scaleTargetRef"]);
        row.insert(
            "target".into(),
            json!(format!(
                "{}/{}",
                at(target, &["kind"]).as_str().unwrap_or(""),
                at(target, &["name"]).as_str().unwrap_or("")
            )),
        );
        row.insert("minReplicas".into(), json!(at(&obj.data, &["spec", "minReplicas"]).as_i64().unwrap_or(1)));
        copy(row, "maxReplicas", at(&obj.data, &["spec", "maxReplicas"]));
        row.insert("replicas".into(), json!(int(at(&obj.data, &["status", "currentReplicas"]))));
    },
};

/// PodDisruptionBudgets: min available / max unavailable, allowed disruptions.
pub const PDB: Projection = Projection {
    columns: &[
        NAME,
        NAMESPACE_COL,
        col("minAvailable", "Min available"),
        col("maxUnavailable", "Max unavailable"),
        col("allowed", "Allowed disruptions"),
        AGE,
    ],
    fill: |obj, row| {
        copy(row, "minAvailable", at(&obj.data, &["spec", "minAvailable"]));
        copy(row, "maxUnavailable", at(&obj.data, &["spec", "maxUnavailable"]));
        row.insert("allowed".into(), json!(int(at(&obj.data, &["status", "disruptionsAllowed"]))));
    },
};

/// NetworkPolicies: the pod selector and policy types.
pub const NETWORKPOLICY: Projection = Projection {
    columns: &[NAME, NAMESPACE_COL, col("podSelector", "Pod selector"), col("policyTypes", "Policy types"), AGE],
    fill: |obj, row| {
        let labels = at(&obj.data, &["spec", "podSelector", "matchLabels"]);
        let selector: Vec<String> = labels
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
            .collect();
        row.insert("podSelector".into(), json!(selector.join(",")));
        row.insert("policyTypes".into(), joined(at(&obj.data, &["spec", "policyTypes"]), None));
    },
};

/// EndpointSlices: address type, ports, number of endpoints.
pub const ENDPOINTSLICE: Projection = Projection {
    columns: &[NAME, NAMESPACE_COL, col("addressType", "Address type"), col("endpoints", "Endpoints"), AGE],
    fill: |obj, row| {
        copy(row, "addressType", at(&obj.data, &["addressType"]));
        row.insert("endpoints".into(), json!(at(&obj.data, &["endpoints"]).as_array().map_or(0, Vec::len)));
    },
};

/// Events: type, reason, object, message, count, last seen.
pub const EVENT: Projection = Projection {
    columns: &[
        NAMESPACE_COL,
        col("type", "Type"),
        col("reason", "Reason"),
        col("object", "Object"),
        col("message", "Message"),
        col("count", "Count"),
        col("lastSeen", "Last seen"),
    ],
    fill: |obj, row| {
        copy(row, "type", at(&obj.data, &["type"]));
        copy(row, "reason", at(&obj.data, &["reason"]));
        let involved = at(&obj.data, &["involvedObject"]);
        row.insert(
            "object".into(),
            json!(format!(
                "{}/{}",
                at(involved, &["kind"]).as_str().unwrap_or("").to_lowercase(),
                at(involved, &["name"]).as_str().unwrap_or("")
            )),
        );
        copy(row, "message", at(&obj.data, &["message"]));
        row.insert("count".into(), json!(at(&obj.data, &["count"]).as_i64().unwrap_or(1)));
        let last = [&["lastTimestamp"][..], &["eventTime"], &["metadata", "creationTimestamp"]]
            .iter()
            .map(|p| at(&obj.data, p))
            .find(|v| !v.is_null())
            .cloned()
            .unwrap_or_else(|| json!(obj.metadata.creation_timestamp.as_ref().map(|t| t.0.to_string())));
        row.insert("lastSeen".into(), last);
    },
};

/// CustomResourceDefinitions: group, kind, short names (for the console's `:` command line),
/// scope, served versions.
pub const CRD: Projection = Projection {
    columns: &[
        NAME,
        col("group", "Group"),
        col("kind", "Kind"),
        col("shortNames", "Short names"),
        col("scope", "Scope"),
        col("versions", "Versions"),
        AGE,
    ],
    fill: |obj, row| {
        let spec = at(&obj.data, &["spec"]);
        copy(row, "group", at(spec, &["group"]));
        copy(row, "kind", at(spec, &["names", "kind"]));
        row.insert("shortNames".into(), joined(at(spec, &["names", "shortNames"]), None));
        copy(row, "scope", at(spec, &["scope"]));
        row.insert("versions".into(), joined(at(spec, &["versions"]), Some("name")));
    },
};

/// IngressClasses, PriorityClasses, RuntimeClasses and other small cluster-scoped kinds: one
/// telling field each.
pub const INGRESSCLASS: Projection = Projection {
    columns: &[NAME, col("controller", "Controller"), AGE],
    fill: |obj, row| copy(row, "controller", at(&obj.data, &["spec", "controller"])),
};

/// PriorityClasses: value, global default.
pub const PRIORITYCLASS: Projection = Projection {
    columns: &[NAME, col("value", "Value"), col("globalDefault", "Global default"), AGE],
    fill: |obj, row| {
        copy(row, "value", at(&obj.data, &["value"]));
        row.insert("globalDefault".into(), json!(at(&obj.data, &["globalDefault"]).as_bool().unwrap_or(false)));
    },
};

/// RuntimeClasses: handler.
pub const RUNTIMECLASS: Projection = Projection {
    columns: &[NAME, col("handler", "Handler"), AGE],
    fill: |obj, row| copy(row, "handler", at(&obj.data, &["handler"])),
};

/// ResourceQuotas and LimitRanges: name, namespace, age.
pub const NAMESPACED_PLAIN: Projection = Projection { columns: &[NAME, NAMESPACE_COL, AGE], fill: |_, _| {} };

/// Cluster-scoped kinds with nothing more to show.
pub const CLUSTER_PLAIN: Projection = Projection { columns: &[NAME, AGE], fill: |_, _| {} };
