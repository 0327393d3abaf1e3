//! What a Kubernetes API request does (verb, group, version, namespace, resource, subresource,
//! name), derived from its method, path and query by the kube-apiserver's own request-info rules,
//! so the proxy audits a request under the same names the apiserver authorizes it with.
//!
//! Declared by `pub mod request_info;` in `proxy/mod.rs`. Pure: no I/O, and no input panics.
//!
//! The rules, as the apiserver applies them (k8s.io/apiserver `endpoints/request/requestinfo.go`):
//! - `/api/{version}/...` is the core group, `/apis/{group}/{version}/...` any other; anything
//!   shorter or elsewhere (`/version`, `/openapi/v2`, `/api`, `/apis/apps`, `/healthz`) is a
//!   non-resource request whose verb is the lowercase method.
//! - A legacy special verb may follow the version: `watch/...` or `proxy/...` (`proxy` takes no
//!   subresource: everything after its name is the proxied path).
//! - `namespaces/{ns}/{resource}/...` is namespaced, except `namespaces/{ns}` itself and its
//!   `status` and `finalize` subresources, which are the `namespaces` resource named `{ns}`.
//! - What remains is `{resource}[/{name}[/{subresource}[/...]]]`.
//! - GET/HEAD without a name is `list`, or `watch` when `watch` is set to anything but
//!   `0`/`false`; DELETE without a name is `deletecollection`; a list or watch whose
//!   `fieldSelector` pins `metadata.name` gets that name.

use std::borrow::Cow;

use http::Method;

/// The Kubernetes view of one request; strings that are empty in the apiserver's view are `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestInfo {
    /// Whether the path names an API resource (false for discovery roots, `/version`, `/openapi`…).
    pub is_resource: bool,
    /// The Kubernetes verb (`get`, `list`, `watch`, `create`, …), or the lowercase HTTP method for
    /// non-resource requests; empty for a method the apiserver maps to no verb (e.g. OPTIONS).
    pub verb: String,
    /// `api` or `apis` on resource requests, empty otherwise.
    pub api_prefix: String,
    /// The API group; empty for the core group.
    pub api_group: String,
    /// The API version (`v1`, `v1beta1`…).
    pub api_version: String,
    /// The namespace the request is scoped to; also set on a request for a namespace object itself.
    pub namespace: Option<String>,
    /// The resource (plural, lowercase: `pods`, `deployments`, `namespaces`).
    pub resource: Option<String>,
    /// The subresource (`status`, `log`, `exec`, `scale`…).
    pub subresource: Option<String>,
    /// The object's name, from the path or from a `metadata.name` field selector on a list/watch.
    pub name: Option<String>,
}

/// Subresources that open a connection into a workload or node rather than read an object.
const CONNECT_SUBRESOURCES: [&str; 4] = ["exec", "attach", "portforward", "proxy"];

/// Verbs that only read; everything else (including an unknown or empty verb) counts as mutating.
const READ_VERBS: [&str; 5] = ["get", "list", "watch", "head", "options"];

impl RequestInfo {
    /// create/update/patch/delete/deletecollection, and connect-style subresources (exec, attach,
    /// portforward, proxy) whatever the method: what the proxy must audit.
    ///
    /// Fail-closed: any verb not known to be a read (an empty one included) is mutating.
    pub fn mutating(&self) -> bool {
        let connects =
            self.verb == "proxy" || self.subresource.as_deref().is_some_and(|sub| CONNECT_SUBRESOURCES.contains(&sub));
        connects || !READ_VERBS.contains(&self.verb.as_str())
    }
}

/// Derives the request info of a Kubernetes API request.
///
/// `path` is the Kubernetes path as sent on the wire (after the proxy's `/k8s` prefix, still
/// percent-encoded, e.g. `/api/v1/namespaces/ns/pods/p/exec`); like the apiserver it is decoded
/// before it is split, so `%2F` separates segments. `query` is the raw query string without `?`.
pub fn parse(method: &Method, path: &str, query: Option<&str>) -> RequestInfo {
    let mut info = RequestInfo { verb: method.as_str().to_ascii_lowercase(), ..RequestInfo::default() };
    let decoded = decode_path(path);
    let segments = split_path(&decoded);

    if segments.len() < 3 {
        return info;
    }
    let (prefix, mut parts) = match segments.as_slice() {
        [prefix @ ("api" | "apis"), rest @ ..] => (*prefix, rest),
        _ => return info,
    };
    let mut group = "";
    if prefix == "apis" {
        // `/apis/{group}/{version}` alone is group discovery, not a resource.
        let [g, rest @ ..] = parts else { return info };
        if rest.len() < 2 {
            return info;
        }
        group = g;
        parts = rest;
    }
    let [version, rest @ ..] = parts else { return info };
    parts = rest;
    info.is_resource = true;
    info.api_prefix = prefix.to_owned();
    info.api_group = group.to_owned();
    info.api_version = (*version).to_owned();

    match parts {
        [special @ ("watch" | "proxy"), rest @ ..] => {
            if rest.is_empty() {
                // The apiserver refuses `/api/v1/watch` outright; report what is known.
                return info;
            }
            info.verb = (*special).to_owned();
            parts = rest;
        }
        _ => info.verb = resource_verb(method).to_owned(),
    }

    let mut namespace = "";
    if let ["namespaces", ns, rest @ ..] = parts {
        namespace = ns;
        // `namespaces/{ns}/status` and `/finalize` stay on the namespace object itself.
        if let [next, ..] = rest
            && !matches!(*next, "status" | "finalize")
        {
            parts = rest;
        }
    }

    let (resource, mut name, subresource) = match parts {
        [resource] => (*resource, "", ""),
        [resource, name] => (*resource, *name, ""),
        // Everything after a legacy `proxy/{resource}/{name}` is the proxied path, not a subresource.
        [resource, name, ..] if info.verb == "proxy" => (*resource, *name, ""),
        [resource, name, subresource, ..] => (*resource, *name, *subresource),
        [] => ("", "", ""),
    };

    let mut selected_name = None;
    if name.is_empty() && info.verb == "get" {
        let list = list_options(query.unwrap_or(""));
        info.verb = if list.watch { "watch" } else { "list" }.to_owned();
        selected_name = list.name;
    }
    if let Some(selected) = selected_name.as_deref() {
        name = selected;
    }
    if name.is_empty() && info.verb == "delete" {
        info.verb = "deletecollection".to_owned();
    }

    info.namespace = non_empty(namespace);
    info.resource = non_empty(resource);
    info.name = non_empty(name);
    info.subresource = non_empty(subresource);
    info
}

/// Checks what the apiserver would not see the way it was written: dot segments (which URL
/// libraries resolve before sending, so the request would reach another object than the one
/// parsed), empty segments, broken percent-escapes and escapes that do not decode to UTF-8.
/// The proxy refuses such paths instead of auditing one object and touching another.
pub fn check_path(path: &str) -> Result<(), &'static str> {
    let Some(decoded) = percent_decode(path.as_bytes()) else {
        return Err("the path has a malformed percent-escape");
    };
    let Ok(decoded) = std::str::from_utf8(&decoded) else {
        return Err("the path does not decode to UTF-8");
    };
    let inner = decoded.strip_prefix('/').unwrap_or(decoded);
    let inner = inner.strip_suffix('/').unwrap_or(inner);
    if inner.is_empty() {
        return Ok(());
    }
    for segment in inner.split('/') {
        match segment {
            "" => return Err("the path has an empty segment"),
            "." | ".." => return Err("the path has a '.' or '..' segment"),
            _ => {}
        }
    }
    Ok(())
}

fn resource_verb(method: &Method) -> &'static str {
    match *method {
        Method::POST => "create",
        Method::GET | Method::HEAD => "get",
        Method::PUT => "update",
        Method::PATCH => "patch",
        Method::DELETE => "delete",
        _ => "",
    }
}

fn non_empty(value: &str) -> Option<String> {
    (!value.is_empty()).then(|| value.to_owned())
}

/// Splits like the apiserver: leading and trailing slashes trimmed, inner empty segments kept.
fn split_path(path: &str) -> Vec<&str> {
    let trimmed = path.trim_matches('/');
    if trimmed.is_empty() {
        return Vec::new();
    }
    trimmed.split('/').collect()
}

/// Percent-decodes a path; a path that does not decode is used as written (the apiserver would
/// refuse it, and `check_path` says why), bytes that are not UTF-8 become U+FFFD.
fn decode_path(path: &str) -> Cow<'_, str> {
    if !path.contains('%') {
        return Cow::Borrowed(path);
    }
    match percent_decode(path.as_bytes()) {
        Some(bytes) => Cow::Owned(String::from_utf8_lossy(&bytes).into_owned()),
        None => Cow::Borrowed(path),
    }
}

/// Decodes `%XX` escapes; `None` when a `%` is not followed by two hex digits.
fn percent_decode(input: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len());
    let mut bytes = input.iter();
    while let Some(&b) = bytes.next() {
        if b == b'%' {
            let hi = hex_value(*bytes.next()?)?;
            let lo = hex_value(*bytes.next()?)?;
            out.push((hi << 4) | lo);
        } else {
            out.push(b);
        }
    }
    Some(out)
}

fn hex_value(b: u8) -> Option<u8> {
    char::from(b).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

/// What a list or watch's query says about verb and name.
#[derive(Debug, Default)]
struct ListOptions {
    watch: bool,
    name: Option<String>,
}

/// Reads `watch` and a `metadata.name` field selector the way the apiserver decodes list
/// options: when the options do not decode (a broken field selector, a non-numeric `limit` or
/// `timeoutSeconds`), only `watch` counts and no name is taken. Label selectors are not
/// validated here, so a list with a broken label selector may get a name the apiserver would not give it.
fn list_options(query: &str) -> ListOptions {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    let first = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());

    // Any value but `0` or `false` is true, an empty one included (apimachinery's conversion).
    let watch = first("watch").is_some_and(|v| v != "0" && !v.eq_ignore_ascii_case("false"));
    let numbers_decode = ["limit", "timeoutSeconds"]
        .iter()
        .all(|key| first(key).is_none_or(|v| v.is_empty() || v.parse::<i64>().is_ok()));
    if !numbers_decode {
        return ListOptions { watch, name: None };
    }
    let name = match first("fieldSelector").map(selected_name) {
        Some(Ok(name)) => name,
        Some(Err(())) => return ListOptions { watch, name: None },
        None => None,
    };
    // The apiserver takes the name only if it could be a path segment.
    let name = name.filter(|n| n != "." && n != ".." && !n.contains(['/', '%']));
    ListOptions { watch, name }
}

/// The value a field selector requires `metadata.name` to equal, `Err` when the selector does not
/// parse. Terms are sorted first, as the apiserver does, so the first pinning term wins.
fn selected_name(selector: &str) -> Result<Option<String>, ()> {
    let mut terms = split_terms(selector);
    terms.sort_unstable();
    let mut found = None;
    for term in terms.into_iter().filter(|t| !t.is_empty()) {
        let (field, op, value) = split_term(term).ok_or(())?;
        let value = unescape_value(value)?;
        if found.is_none() && field == "metadata.name" && op != "!=" {
            found = Some(value);
        }
    }
    Ok(found)
}

/// Splits a field selector on commas not escaped by a backslash.
fn split_terms(selector: &str) -> Vec<&str> {
    if selector.is_empty() {
        return Vec::new();
    }
    let mut terms = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in selector.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == ',' {
            terms.push(&selector[start..i]);
            start = i + 1;
        }
    }
    terms.push(&selector[start..]);
    terms
}

/// Splits `field<op>value` at the first operator (`!=`, `==`, `=`, tried in that order).
fn split_term(term: &str) -> Option<(&str, &'static str, &str)> {
    term.char_indices().find_map(|(i, _)| {
        let rest = &term[i..];
        ["!=", "==", "="].into_iter().find(|op| rest.starts_with(op)).map(|op| (&term[..i], op, &rest[op.len()..]))
    })
}

/// Undoes `\\`, `\,` and `\=`; any other escape, a trailing backslash, or a bare `,` or `=` is an error.
fn unescape_value(value: &str) -> Result<String, ()> {
    let mut out = String::with_capacity(value.len());
    let mut escaped = false;
    for c in value.chars() {
        match (escaped, c) {
            (true, '\\' | ',' | '=') => {
                out.push(c);
                escaped = false;
            }
            (true, _) | (false, ',' | '=') => return Err(()),
            (false, '\\') => escaped = true,
            (false, _) => out.push(c),
        }
    }
    if escaped {
        return Err(());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One expected parse: method, path, query, then verb, group, version, namespace,
    /// resource, name, subresource (`""` for none) and whether it is mutating.
    type Case = (&'static str, &'static str, &'static str, [&'static str; 7], bool);

    const RESOURCE_CASES: &[Case] = &[
        // Core group, namespaced.
        ("GET", "/api/v1/namespaces/ns/pods", "", ["list", "", "v1", "ns", "pods", "", ""], false),
        ("GET", "/api/v1/namespaces/ns/pods/p", "", ["get", "", "v1", "ns", "pods", "p", ""], false),
        ("HEAD", "/api/v1/namespaces/ns/pods/p", "", ["get", "", "v1", "ns", "pods", "p", ""], false),
        ("POST", "/api/v1/namespaces/ns/pods", "", ["create", "", "v1", "ns", "pods", "", ""], true),
        ("PUT", "/api/v1/namespaces/ns/pods/p", "", ["update", "", "v1", "ns", "pods", "p", ""], true),
        ("PATCH", "/api/v1/namespaces/ns/pods/p", "", ["patch", "", "v1", "ns", "pods", "p", ""], true),
        ("DELETE", "/api/v1/namespaces/ns/pods/p", "", ["delete", "", "v1", "ns", "pods", "p", ""], true),
        ("DELETE", "/api/v1/namespaces/ns/pods", "", ["deletecollection", "", "v1", "ns", "pods", "", ""], true),
        ("DELETE", "/api/v1/pods", "labelSelector=a%3Db", ["deletecollection", "", "v1", "", "pods", "", ""], true),
        // Watch both ways, and what does not make a watch.
        ("GET", "/api/v1/namespaces/ns/pods", "watch=true", ["watch", "", "v1", "ns", "pods", "", ""], false),
        (
            "GET",
            "/api/v1/namespaces/ns/pods",
            "watch=1&resourceVersion=5",
            ["watch", "", "v1", "ns", "pods", "", ""],
            false,
        ),
        ("GET", "/api/v1/pods", "watch=", ["watch", "", "v1", "", "pods", "", ""], false),
        ("GET", "/api/v1/pods", "watch=false", ["list", "", "v1", "", "pods", "", ""], false),
        ("GET", "/api/v1/pods", "watch=0&watch=1", ["list", "", "v1", "", "pods", "", ""], false),
        ("GET", "/api/v1/watch/namespaces/ns/pods", "", ["watch", "", "v1", "ns", "pods", "", ""], false),
        ("GET", "/api/v1/watch/namespaces/ns/pods/p", "", ["watch", "", "v1", "ns", "pods", "p", ""], false),
        ("GET", "/apis/apps/v1/watch/deployments", "", ["watch", "apps", "v1", "", "deployments", "", ""], false),
        // Field selector pins the name of a list or watch.
        (
            "GET",
            "/api/v1/namespaces/ns/secrets",
            "fieldSelector=metadata.name%3Ds1&watch=true",
            ["watch", "", "v1", "ns", "secrets", "s1", ""],
            false,
        ),
        ("GET", "/api/v1/pods", "fieldSelector=metadata.name==p2", ["list", "", "v1", "", "pods", "p2", ""], false),
        ("GET", "/api/v1/pods", "fieldSelector=metadata.name!=p2", ["list", "", "v1", "", "pods", "", ""], false),
        (
            "GET",
            "/api/v1/pods",
            "fieldSelector=status.phase%3DRunning,metadata.name%3Dp3",
            ["list", "", "v1", "", "pods", "p3", ""],
            false,
        ),
        ("GET", "/api/v1/pods", "fieldSelector=metadata.name%3Da,b", ["list", "", "v1", "", "pods", "", ""], false),
        ("GET", "/api/v1/pods", "fieldSelector=metadata.name%3D..", ["list", "", "v1", "", "pods", "", ""], false),
        (
            "GET",
            "/api/v1/pods",
            "fieldSelector=metadata.name%3Dp&limit=ten",
            ["list", "", "v1", "", "pods", "", ""],
            false,
        ),
        // Subresources: reads, writes and connections.
        ("GET", "/api/v1/namespaces/ns/pods/p/log", "follow=true", ["get", "", "v1", "ns", "pods", "p", "log"], false),
        (
            "POST",
            "/api/v1/namespaces/ns/pods/p/exec",
            "command=sh",
            ["create", "", "v1", "ns", "pods", "p", "exec"],
            true,
        ),
        ("GET", "/api/v1/namespaces/ns/pods/p/exec", "command=sh", ["get", "", "v1", "ns", "pods", "p", "exec"], true),
        ("POST", "/api/v1/namespaces/ns/pods/p/attach", "", ["create", "", "v1", "ns", "pods", "p", "attach"], true),
        (
            "GET",
            "/api/v1/namespaces/ns/pods/p/portforward",
            "",
            ["get", "", "v1", "ns", "pods", "p", "portforward"],
            true,
        ),
        (
            "GET",
            "/api/v1/namespaces/ns/services/s:http/proxy/metrics",
            "",
            ["get", "", "v1", "ns", "services", "s:http", "proxy"],
            true,
        ),
        ("GET", "/api/v1/nodes/n1/proxy/stats/summary", "", ["get", "", "v1", "", "nodes", "n1", "proxy"], true),
        ("GET", "/api/v1/proxy/namespaces/ns/pods/p/a/b", "", ["proxy", "", "v1", "ns", "pods", "p", ""], true),
        (
            "POST",
            "/api/v1/namespaces/ns/pods/p/eviction",
            "",
            ["create", "", "v1", "ns", "pods", "p", "eviction"],
            true,
        ),
        (
            "PUT",
            "/apis/apps/v1/namespaces/ns/deployments/d/scale",
            "",
            ["update", "apps", "v1", "ns", "deployments", "d", "scale"],
            true,
        ),
        (
            "PATCH",
            "/apis/apps/v1/namespaces/ns/deployments/d/status",
            "",
            ["patch", "apps", "v1", "ns", "deployments", "d", "status"],
            true,
        ),
        // Cluster-scoped resources, CRDs and CRD groups.
        ("GET", "/api/v1/nodes", "", ["list", "", "v1", "", "nodes", "", ""], false),
        ("PATCH", "/api/v1/nodes/n1/status", "", ["patch", "", "v1", "", "nodes", "n1", "status"], true),
        (
            "GET",
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com",
            "",
            ["get", "apiextensions.k8s.io", "v1", "", "customresourcedefinitions", "widgets.example.com", ""],
            false,
        ),
        (
            "POST",
            "/apis/example.com/v1alpha1/namespaces/team-a/widgets",
            "",
            ["create", "example.com", "v1alpha1", "team-a", "widgets", "", ""],
            true,
        ),
        (
            "DELETE",
            "/apis/example.com/v1alpha1/clusterwidgets/w",
            "",
            ["delete", "example.com", "v1alpha1", "", "clusterwidgets", "w", ""],
            true,
        ),
        (
            "POST",
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            "",
            ["create", "authorization.k8s.io", "v1", "", "selfsubjectaccessreviews", "", ""],
            true,
        ),
        // Namespaces themselves.
        ("GET", "/api/v1/namespaces", "", ["list", "", "v1", "", "namespaces", "", ""], false),
        ("GET", "/api/v1/namespaces/ns", "", ["get", "", "v1", "ns", "namespaces", "ns", ""], false),
        ("DELETE", "/api/v1/namespaces/ns", "", ["delete", "", "v1", "ns", "namespaces", "ns", ""], true),
        ("PUT", "/api/v1/namespaces/ns/status", "", ["update", "", "v1", "ns", "namespaces", "ns", "status"], true),
        ("PUT", "/api/v1/namespaces/ns/finalize", "", ["update", "", "v1", "ns", "namespaces", "ns", "finalize"], true),
        // A resource named `status` inside a namespace would be `namespaces/ns/status/...`: the
        // apiserver reads that as the namespace's subresource too.
        ("GET", "/api/v1/namespaces/ns/status/x", "", ["get", "", "v1", "ns", "namespaces", "ns", "status"], false),
        // Trailing slash and percent-encoding.
        ("GET", "/api/v1/namespaces/ns/pods/", "", ["list", "", "v1", "ns", "pods", "", ""], false),
        ("GET", "/api/v1/namespaces/n%73/pods/p%2Dx", "", ["get", "", "v1", "ns", "pods", "p-x", ""], false),
        // OPTIONS maps to no verb on a resource, which audits as mutating (fail-closed).
        ("OPTIONS", "/api/v1/pods", "", ["", "", "v1", "", "pods", "", ""], true),
    ];

    #[test]
    fn resource_requests_parse_like_the_apiserver() {
        for (method, path, query, want, mutating) in RESOURCE_CASES {
            let method = Method::from_bytes(method.as_bytes()).expect("test methods are valid");
            let query = (!query.is_empty()).then_some(*query);
            let info = parse(&method, path, query);
            let [verb, group, version, namespace, resource, name, subresource] = want;
            let prefix = if group.is_empty() { "api" } else { "apis" };
            let expected = RequestInfo {
                is_resource: true,
                verb: (*verb).to_owned(),
                api_prefix: prefix.to_owned(),
                api_group: (*group).to_owned(),
                api_version: (*version).to_owned(),
                namespace: non_empty(namespace),
                resource: non_empty(resource),
                subresource: non_empty(subresource),
                name: non_empty(name),
            };
            assert_eq!(info, expected, "{method} {path}?{query:?}");
            assert_eq!(info.mutating(), *mutating, "mutating of {method} {path}");
        }
    }

    #[test]
    fn non_resource_requests_keep_the_method_as_verb() {
        let cases: &[(&str, &str, bool)] = &[
            ("GET", "/version", false),
            ("GET", "/openapi/v2", false),
            ("GET", "/openapi/v3/apis/apps/v1", false),
            ("GET", "/api", false),
            ("GET", "/api/v1", false),
            ("GET", "/apis", false),
            ("GET", "/apis/apps", false),
            ("GET", "/apis/apps/v1", false),
            ("GET", "/healthz", false),
            ("HEAD", "/livez", false),
            ("GET", "/", false),
            ("GET", "", false),
            ("POST", "/logs/x", true),
            ("GET", "/metrics/cadvisor/x/y", false),
        ];
        for (method, path, mutating) in cases {
            let method = Method::from_bytes(method.as_bytes()).expect("test methods are valid");
            let info = parse(&method, path, None);
            let expected = RequestInfo { verb: method.as_str().to_ascii_lowercase(), ..RequestInfo::default() };
            assert_eq!(info, expected, "{method} {path}");
            assert_eq!(info.mutating(), *mutating, "mutating of {method} {path}");
        }
    }

    #[test]
    fn a_special_verb_without_a_resource_is_a_resource_request_without_one() {
        let info = parse(&Method::GET, "/api/v1/watch", None);
        assert!(info.is_resource);
        assert_eq!((info.verb.as_str(), info.resource), ("get", None));
    }

    #[test]
    fn odd_paths_parse_literally_like_the_apiserver() {
        // An empty name in front of a subresource makes the apiserver see a list; the connect
        // subresource still makes it mutating.
        let info = parse(&Method::GET, "/api/v1/namespaces/ns/pods//exec", None);
        assert_eq!(
            (info.verb.as_str(), info.name.as_deref(), info.subresource.as_deref()),
            ("list", None, Some("exec"))
        );
        assert!(info.mutating());
        // `%2F` separates segments once decoded, as it does in the apiserver.
        let info = parse(&Method::DELETE, "/api/v1/namespaces/ns/pods/a%2Fb", None);
        assert_eq!((info.name.as_deref(), info.subresource.as_deref()), (Some("a"), Some("b")));
        // A broken escape is taken as written.
        let info = parse(&Method::GET, "/api/v1/namespaces/ns/pods/p%zz", None);
        assert_eq!(info.name.as_deref(), Some("p%zz"));
        let info = parse(&Method::GET, "/api/v1/namespaces/ns/pods/..", None);
        assert_eq!(info.name.as_deref(), Some(".."));
    }

    #[test]
    fn check_path_refuses_what_would_be_sent_differently() {
        for ok in
            ["", "/", "/api/v1/pods", "/api/v1/namespaces/ns/pods/p/", "/apis/a.b/v1/x%2Ey", "/api/v1/pods/%C3%A9"]
        {
            assert_eq!(check_path(ok), Ok(()), "{ok}");
        }
        for bad in [
            "/api/v1/namespaces/ns/pods/..",
            "/api/v1/namespaces/ns/../kube-system/pods",
            "/api/v1/./pods",
            "/api/v1/pods/%2E%2E",
            "/api//v1/pods",
            "//api/v1/pods",
            "/api/v1/pods/%",
            "/api/v1/pods/%4",
            "/api/v1/pods/%zz",
            "/api/v1/pods/%FF",
        ] {
            assert!(check_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn field_selectors_follow_the_apiserver_grammar() {
        assert_eq!(selected_name(""), Ok(None));
        assert_eq!(selected_name("metadata.name=a"), Ok(Some("a".to_owned())));
        assert_eq!(selected_name("metadata.name=b,metadata.name=a"), Ok(Some("a".to_owned())));
        assert_eq!(selected_name(r"metadata.name=a\,b"), Ok(Some("a,b".to_owned())));
        assert_eq!(selected_name(r"metadata.name=a\x"), Err(()));
        assert_eq!(selected_name(r"metadata.name=a\"), Err(()));
        assert_eq!(selected_name("metadata.name"), Err(()));
        assert_eq!(selected_name("spec.nodeName=n,,"), Ok(None));
    }

    #[test]
    fn no_input_panics() {
        let pieces = [
            "",
            "/",
            "//",
            "api",
            "apis",
            "v1",
            "watch",
            "proxy",
            "namespaces",
            "ns",
            "status",
            "finalize",
            "pods",
            "p",
            "exec",
            "..",
            ".",
            "%",
            "%2",
            "%2F",
            "%FF",
            "%C3%A9",
            "é",
            "\u{0}",
            "a b",
            "?",
            "#",
        ];
        let queries = [
            None,
            Some(""),
            Some("watch"),
            Some("watch=%"),
            Some("fieldSelector=%FF"),
            Some("fieldSelector=metadata.name%3D%5C"),
            Some("fieldSelector==&limit=-"),
            Some("&&=&"),
            Some("fieldSelector=é%3Dé"),
        ];
        let methods = [Method::GET, Method::POST, Method::DELETE, Method::OPTIONS, Method::CONNECT];
        let mut path = String::new();
        // Every path shape with every method; the queries rotate to keep the test quick.
        let mut queries = queries.iter().cycle();
        for a in pieces {
            for b in pieces {
                for c in ["pods", "namespaces", "..", "", "%"] {
                    for d in ["", "p", "exec", "/"] {
                        path.clear();
                        for piece in ["/", "api", "/", a, "/", b, "/", c, "/", d] {
                            path.push_str(piece);
                        }
                        for method in &methods {
                            let query = *queries.next().expect("a cycle never ends");
                            let info = parse(method, &path, query);
                            let _ = info.mutating();
                            let _ = check_path(&path);
                        }
                    }
                }
            }
        }
    }
}
