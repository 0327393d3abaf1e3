package main

import (
	"strings"
	"testing"
	"time"
)

const (
	testCluster = "periscope-test"
	// A session token with the characters that need percent-encoding in a query.
	testSession = "FwoGZXIvYXdzEJr//////////wEaDOexampletoken+with/slashes=="
)

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	at, err := time.Parse(amzDateLayout, s)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

func testVerifier(now time.Time) *Verifier {
	return newVerifier(&Config{ClusterID: testCluster, Credentials: []Credential{
		{AccessKeyID: exampleAKID, SecretAccessKey: exampleSecret, Username: "periscope-eks-server"},
		{AccessKeyID: "ASIASESSIONEXAMPLE", SecretAccessKey: exampleSecret, SessionToken: testSession,
			Username: "session-user", Groups: []string{"team"}},
	}}, 15*time.Minute).withNow(now)
}

func (v *Verifier) withNow(now time.Time) *Verifier {
	v.Now = func() time.Time { return now }
	return v
}

// Tokens printed by `aws eks get-token --cluster-name periscope-test` (aws-cli 1.45.11, botocore
// 1.43.11) with AWS_ACCESS_KEY_ID=AKIDEXAMPLE and the example secret: the real client's format.
func TestAWSCLITokens(t *testing.T) {
	for _, tc := range []struct {
		name, token, signedAt, akid string
		withSession                 bool
	}{
		{
			name:     "regional endpoint (eu-west-1)",
			signedAt: "20261201T023423Z",
			token:    "k8s-aws-v1.aHR0cHM6Ly9zdHMuZXUtd2VzdC0xLmFtYXpvbmF3cy5jb20vP0FjdGlvbj1HZXRDYWxsZXJJZGVudGl0eSZWZXJzaW9uPTIwMTEtMDYtMTUmWC1BbXotQWxnb3JpdGhtPUFXUzQtSE1BQy1TSEEyNTYmWC1BbXotQ3JlZGVudGlhbD1BS0lERVhBTVBMRSUyRjIwMjYxMjAxJTJGZXUtd2VzdC0xJTJGc3RzJTJGYXdzNF9yZXF1ZXN0JlgtQW16LURhdGU9MjAyNjEyMDFUMDIzNDIzWiZYLUFtei1FeHBpcmVzPTYwJlgtQW16LVNpZ25lZEhlYWRlcnM9aG9zdCUzQngtazhzLWF3cy1pZCZYLUFtei1TaWduYXR1cmU9YjhiMThiMDJkZWYxM2NjNDRkOTcwYTRmOTZhYmQ2ZWQ0NGQ2OWJhNDNkMWMxOTdmMzAyNjlhNjRhZmNjNGI1ZQ",
		},
		{
			name:     "global endpoint (us-east-1, AWS_STS_REGIONAL_ENDPOINTS=legacy)",
			signedAt: "20261201T023426Z",
			token:    "k8s-aws-v1.aHR0cHM6Ly9zdHMuYW1hem9uYXdzLmNvbS8_QWN0aW9uPUdldENhbGxlcklkZW50aXR5JlZlcnNpb249MjAxMS0wNi0xNSZYLUFtei1BbGdvcml0aG09QVdTNC1ITUFDLVNIQTI1NiZYLUFtei1DcmVkZW50aWFsPUFLSURFWEFNUExFJTJGMjAyNjEyMDElMkZ1cy1lYXN0LTElMkZzdHMlMkZhd3M0X3JlcXVlc3QmWC1BbXotRGF0ZT0yMDI2MTIwMVQwMjM0MjZaJlgtQW16LUV4cGlyZXM9NjAmWC1BbXotU2lnbmVkSGVhZGVycz1ob3N0JTNCeC1rOHMtYXdzLWlkJlgtQW16LVNpZ25hdHVyZT02ZGFhNjRkNmVlMjZiMTJlZjAyMTMzYWVjY2JiYjZhMzdkNjFkNDEzOTY1NzQ0YWY3YmUzMjllNzEyZDAwZjY2",
		},
		{
			name:        "with a session token (eu-west-1)",
			signedAt:    "20261201T023427Z",
			withSession: true,
			token:       "k8s-aws-v1.aHR0cHM6Ly9zdHMuZXUtd2VzdC0xLmFtYXpvbmF3cy5jb20vP0FjdGlvbj1HZXRDYWxsZXJJZGVudGl0eSZWZXJzaW9uPTIwMTEtMDYtMTUmWC1BbXotQWxnb3JpdGhtPUFXUzQtSE1BQy1TSEEyNTYmWC1BbXotQ3JlZGVudGlhbD1BS0lERVhBTVBMRSUyRjIwMjYxMjAxJTJGZXUtd2VzdC0xJTJGc3RzJTJGYXdzNF9yZXF1ZXN0JlgtQW16LURhdGU9MjAyNjEyMDFUMDIzNDI3WiZYLUFtei1FeHBpcmVzPTYwJlgtQW16LVNpZ25lZEhlYWRlcnM9aG9zdCUzQngtazhzLWF3cy1pZCZYLUFtei1TZWN1cml0eS1Ub2tlbj1Gd29HWlhJdllYZHpFSnIlMkYlMkYlMkYlMkYlMkYlMkYlMkYlMkYlMkYlMkZ3RWFET2V4YW1wbGV0b2tlbiUyQndpdGglMkZzbGFzaGVzJTNEJTNEJlgtQW16LVNpZ25hdHVyZT0wOWM2ZjZjZmNlNzFkNWM3MTgyMDQ3NzhlMTI2NjVhZDk3Y2EwMzJmZDRmZGQyZTg3MmI1YjNmMjEzZjEyYmI0",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			signedAt := mustTime(t, tc.signedAt)
			v := testVerifier(signedAt.Add(14 * time.Minute))
			// The CLI token signs with AKIDEXAMPLE either way; the session variant needs a
			// credential that expects the session token.
			if tc.withSession {
				v.Credentials[exampleAKID] = Credential{AccessKeyID: exampleAKID, SecretAccessKey: exampleSecret,
					SessionToken: testSession, Username: "periscope-eks-server", Groups: []string{}}
			}
			if region := "eu-west-1"; strings.Contains(tc.name, region) {
				// eks-webhook token writes byte for byte what the CLI writes.
				if got := mintToken(v.Credentials[exampleAKID], testCluster, region, signedAt); got != tc.token {
					t.Fatalf("mintToken = %s, want the CLI's %s", got, tc.token)
				}
			}
			id, err := v.Verify(tc.token)
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if id.Username != "periscope-eks-server" || id.UID != "eks-webhook:"+exampleAKID {
				t.Fatalf("identity = %+v", id)
			}
			// The same token is refused once 15 minutes have passed, and for another cluster.
			if _, err := v.withNow(signedAt.Add(16 * time.Minute)).Verify(tc.token); err == nil ||
				!strings.Contains(err.Reason, "expired") {
				t.Fatalf("16 min later: %v, want expired", err)
			}
			v.Now = func() time.Time { return signedAt }
			v.ClusterID = "other-cluster"
			if _, err := v.Verify(tc.token); err == nil || !strings.Contains(err.Reason, "signature mismatch") {
				t.Fatalf("for another cluster: %v, want signature mismatch", err)
			}
		})
	}
}

// spec describes a token the test builds itself; defaults make a valid one.
type spec struct {
	scheme, host, region, day, akid, secret, cluster, session string
	at                                                        time.Time
	params                                                    []queryParam // before signing, in URL order
	// afterSign edits the final raw query (tampering after the signature was computed).
	afterSign func(string) string
}

func validSpec(at time.Time) spec {
	return spec{scheme: "https", host: "sts.eu-west-1.amazonaws.com", region: "eu-west-1",
		akid: exampleAKID, secret: exampleSecret, cluster: testCluster, at: at}
}

// set replaces (or adds) a query parameter before signing.
func (s spec) set(key, value string) spec {
	out := append([]queryParam(nil), s.params...)
	for i := range out {
		if out[i].key == key {
			out[i].value = value
			s.params = out
			return s
		}
	}
	s.params = append(out, queryParam{key, value})
	return s
}

func (s spec) drop(key string) spec {
	var out []queryParam
	for _, p := range s.params {
		if p.key != key {
			out = append(out, p)
		}
	}
	s.params = out
	return s
}

// withDefaults fills in the query the way botocore orders it.
func (s spec) withDefaults() spec {
	if s.day == "" {
		s.day = s.at.Format("20060102")
	}
	if s.params == nil {
		s.params = tokenParams(s.akid, s.session, s.day, s.region, s.at.Format(amzDateLayout))
	}
	return s
}

// token signs the spec's parameters as they are (whatever they say) and wraps it as an EKS token.
func (s spec) token() string {
	query := signedQuery(s.params, s.host, s.cluster, s.secret, s.day, s.region, s.at.Format(amzDateLayout))
	if s.afterSign != nil {
		query = s.afterSign(query)
	}
	return encodeToken(s.scheme + "://" + s.host + "/?" + query)
}

func TestBuiltTokens(t *testing.T) {
	now := mustTime(t, "20261201T120000Z")
	v := testVerifier(now)
	base := validSpec(now.Add(-time.Minute)).withDefaults()
	session := validSpec(now.Add(-time.Minute))
	session.akid, session.session = "ASIASESSIONEXAMPLE", testSession
	session = session.withDefaults()
	global := validSpec(now.Add(-time.Minute))
	global.host, global.region = "sts.amazonaws.com", "us-east-1"
	global = global.withDefaults()
	mod := func(s spec, f func(*spec)) spec { f(&s); return s }
	build := func(s spec) string { return s.withDefaults().token() }

	accepted := map[string]string{
		"regional":                   base.token(),
		"global endpoint":            global.token(),
		"session token":              session.token(),
		"signed 4 min in the future": build(mod(validSpec(now.Add(4*time.Minute)), func(*spec) {})),
		"signed 14m59s ago":          build(validSpec(now.Add(-14*time.Minute - 59*time.Second))),
		"parameters in any order":    base.drop("Action").set("Action", "GetCallerIdentity").token(),
	}
	for name, tok := range accepted {
		t.Run("accept/"+name, func(t *testing.T) {
			if _, err := v.Verify(tok); err != nil {
				t.Fatalf("refused: %v", err)
			}
		})
	}

	refused := []struct{ name, token, reason string }{
		{"no prefix", strings.TrimPrefix(base.token(), tokenPrefix), "does not start with"},
		{"other prefix", "k8s-aws-v2." + strings.TrimPrefix(base.token(), tokenPrefix), "does not start with"},
		{"padded base64", base.token() + "==", "base64"},
		{"not base64", tokenPrefix + "!!!", "base64"},
		{"huge", tokenPrefix + strings.Repeat("A", maxTokenLen), "longer than"},
		{"http", build(mod(base, func(s *spec) { s.scheme = "http" })), "https"},
		{"not an STS host", build(mod(base, func(s *spec) { s.host = "sts.eu-west-1.example.com" })), "not an STS endpoint"},
		{"STS host as a suffix", build(mod(base, func(s *spec) { s.host = "sts.amazonaws.com.evil.example" })), "not an STS endpoint"},
		{"host with a port", build(mod(base, func(s *spec) { s.host = "sts.amazonaws.com:443" })), "port"},
		{"other path", encodeToken("https://sts.amazonaws.com/x?Action=GetCallerIdentity"), "path"},
		{"host region differs from scope", build(mod(base, func(s *spec) { s.host = "sts.us-west-2.amazonaws.com"; s.params = nil })), "does not match host"},
		{"global host, scope not us-east-1", build(mod(base, func(s *spec) { s.host = "sts.amazonaws.com"; s.params = nil })), "does not match host"},
		{"wrong action", base.set("Action", "AssumeRole").token(), "Action"},
		{"wrong version", base.set("Version", "2011-06-16").token(), "Version"},
		{"wrong algorithm", base.set("X-Amz-Algorithm", "AWS4-HMAC-SHA512").token(), "X-Amz-Algorithm"},
		{"cluster header not signed", base.set("X-Amz-SignedHeaders", "host").token(), "does not sign x-k8s-aws-id"},
		{"extra signed header", base.set("X-Amz-SignedHeaders", "host;x-amz-date;x-k8s-aws-id").token(), "want exactly"},
		{"unknown access key id", build(mod(base, func(s *spec) { s.akid = "AKIDUNKNOWN"; s.params = nil })), "unknown access key id"},
		{"scope date is not X-Amz-Date's day", build(mod(base, func(s *spec) { s.day = "20261130"; s.params = nil })), "scope date"},
		{"expired", build(validSpec(now.Add(-15*time.Minute - time.Second))), "expired"},
		{"too far in the future", build(validSpec(now.Add(5*time.Minute + time.Second))), "in the future"},
		{"bad X-Amz-Date", base.set("X-Amz-Date", "2026-12-01T11:59:00Z").token(), "X-Amz-Date"},
		{"X-Amz-Expires above 900", base.set("X-Amz-Expires", "901").token(), "X-Amz-Expires"},
		{"X-Amz-Expires missing", base.drop("X-Amz-Expires").token(), "X-Amz-Expires"},
		{"wrong secret", build(mod(base, func(s *spec) { s.secret = exampleSecret + "x" })), "signature mismatch"},
		{"other cluster", build(mod(base, func(s *spec) { s.cluster = "other" })), "signature mismatch"},
		{"tampered after signing", build(mod(base, func(s *spec) {
			s.afterSign = func(q string) string { return strings.Replace(q, "X-Amz-Expires=60", "X-Amz-Expires=61", 1) }
		})), "signature mismatch"},
		{"signature not hex", build(mod(base, func(s *spec) {
			s.afterSign = func(q string) string { return q[:len(q)-1] + "G" }
		})), "X-Amz-Signature"},
		{"signature missing", build(mod(base, func(s *spec) {
			s.afterSign = func(q string) string { return q[:strings.Index(q, "&X-Amz-Signature=")] }
		})), "X-Amz-Signature"},
		{"unknown parameter", base.set("X-Amz-User-Agent", "x").token(), "not allowed"},
		{"repeated parameter", build(mod(base, func(s *spec) {
			s.afterSign = func(q string) string { return q + "&Action=GetCallerIdentity" }
		})), "given 2 times"},
		{"session token missing", session.drop("X-Amz-Security-Token").token(), "X-Amz-Security-Token missing"},
		{"session token differs", session.set("X-Amz-Security-Token", testSession+"x").token(), "does not match"},
		{"session token for a plain key", base.set("X-Amz-Security-Token", testSession).token(), "without a session token"},
	}
	for _, tc := range refused {
		t.Run("refuse/"+tc.name, func(t *testing.T) {
			id, err := v.Verify(tc.token)
			if err == nil {
				t.Fatalf("accepted as %+v", id)
			}
			if !strings.Contains(err.Reason, tc.reason) {
				t.Fatalf("reason %q, want it to mention %q", err.Reason, tc.reason)
			}
			if strings.Contains(err.Reason, exampleSecret) {
				t.Fatalf("reason leaks the secret: %q", err.Reason)
			}
		})
	}
}
