package main

// Verification of EKS bearer tokens as aws-iam-authenticator issues and checks them: the token is a
// presigned STS GetCallerIdentity URL whose signature also covers the header x-k8s-aws-id (the EKS
// cluster name). Real EKS forwards the URL to STS; this verifier checks the SigV4 signature itself
// against static credentials, so it needs no network and no AWS account.

import (
	"crypto/hmac"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

const (
	tokenPrefix = "k8s-aws-v1."
	// maxTokenLen bounds the work done for garbage; real tokens with a session token are ~2 KiB.
	maxTokenLen   = 8192
	amzDateLayout = "20060102T150405Z"
	// maxFutureSkew is how far X-Amz-Date may lie ahead of our clock.
	maxFutureSkew = 5 * time.Minute
	// maxExpires is the largest X-Amz-Expires STS accepts for a presigned URL used as an EKS token.
	maxExpires    = 900
	clusterHeader = "x-k8s-aws-id"
	signedHeaders = "host;" + clusterHeader
	stsService    = "sts"
)

// allowedParams are the query parameters a token may carry (the ones aws-iam-authenticator allows).
var allowedParams = map[string]bool{
	"Action": true, "Version": true, "X-Amz-Algorithm": true, "X-Amz-Credential": true,
	"X-Amz-Date": true, "X-Amz-Expires": true, "X-Amz-SignedHeaders": true,
	"X-Amz-Security-Token": true, "X-Amz-Signature": true,
}

var (
	regionalSTSHost = regexp.MustCompile(`^sts\.([a-z0-9]+(?:-[a-z0-9]+)*)\.amazonaws\.com$`)
	hexSignature    = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// Credential is one static AWS key pair the webhook accepts, and who its holder is in Kubernetes.
type Credential struct {
	AccessKeyID     string   `json:"accessKeyId"`
	SecretAccessKey string   `json:"secretAccessKey"`
	SessionToken    string   `json:"sessionToken,omitempty"`
	Username        string   `json:"username"`
	Groups          []string `json:"groups"`
}

// Identity is an authenticated token's holder.
type Identity struct {
	Username    string
	UID         string
	Groups      []string
	AccessKeyID string
	// SignaturePrefix is the first 12 hex digits of the token's signature: enough to tell tokens
	// apart in the log (each fresh token has a new one), far too little to replay one.
	SignaturePrefix string
}

// Verifier checks tokens for one EKS cluster name against a set of credentials.
type Verifier struct {
	ClusterID   string
	Credentials map[string]Credential // by access key id
	MaxAge      time.Duration
	Now         func() time.Time
}

// TokenError says why a token was refused; Reason and AKID are safe to log (never a secret).
type TokenError struct {
	Reason string
	AKID   string
}

func (e *TokenError) Error() string { return e.Reason }

func refuse(akid, format string, args ...any) (*Identity, *TokenError) {
	return nil, &TokenError{Reason: fmt.Sprintf(format, args...), AKID: akid}
}

// stsRegion is the signing region an STS host implies: the global endpoint signs for us-east-1.
func stsRegion(host string) (string, bool) {
	if host == "sts.amazonaws.com" {
		return "us-east-1", true
	}
	if m := regionalSTSHost.FindStringSubmatch(host); m != nil {
		return m[1], true
	}
	return "", false
}

// splitQuery decodes a raw query into its parameters in order, refusing repeated keys (a repeated
// Action or X-Amz-Credential would make "the" value ambiguous).
func splitQuery(raw string) ([]queryParam, map[string]string, error) {
	values, err := url.ParseQuery(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("malformed query: %v", err)
	}
	params := make([]queryParam, 0, len(values))
	byKey := make(map[string]string, len(values))
	for k, vs := range values {
		if !allowedParams[k] {
			return nil, nil, fmt.Errorf("query parameter %q not allowed", k)
		}
		if len(vs) != 1 {
			return nil, nil, fmt.Errorf("query parameter %q given %d times", k, len(vs))
		}
		params = append(params, queryParam{k, vs[0]})
		byKey[k] = vs[0]
	}
	return params, byKey, nil
}

// Verify checks token and returns its holder, or why it is refused.
func (v *Verifier) Verify(token string) (*Identity, *TokenError) {
	if len(token) > maxTokenLen {
		return refuse("", "token longer than %d bytes", maxTokenLen)
	}
	encoded, ok := strings.CutPrefix(token, tokenPrefix)
	if !ok {
		return refuse("", "token does not start with %q", tokenPrefix)
	}
	rawURL, err := base64.RawURLEncoding.DecodeString(encoded)
	if err != nil {
		return refuse("", "token is not unpadded base64url: %v", err)
	}
	u, err := url.Parse(string(rawURL))
	if err != nil {
		return refuse("", "token is not a URL: %v", err)
	}
	if u.Scheme != "https" || u.User != nil || u.Fragment != "" || u.Opaque != "" {
		return refuse("", "token URL must be https://HOST/?QUERY with no user info or fragment")
	}
	if u.Port() != "" {
		return refuse("", "token URL host %q carries a port", u.Host)
	}
	hostRegion, ok := stsRegion(u.Host)
	if !ok {
		return refuse("", "host %q is not an STS endpoint", u.Host)
	}
	if u.Path != "/" {
		return refuse("", "path %q is not /", u.Path)
	}
	params, q, err := splitQuery(u.RawQuery)
	if err != nil {
		return refuse("", "%v", err)
	}
	for _, want := range [][2]string{
		{"Action", "GetCallerIdentity"},
		{"Version", "2011-06-15"},
		{"X-Amz-Algorithm", sigV4Algorithm},
	} {
		if q[want[0]] != want[1] {
			return refuse("", "%s is %q, want %q", want[0], q[want[0]], want[1])
		}
	}
	if sh := q["X-Amz-SignedHeaders"]; sh != signedHeaders {
		if !strings.Contains(";"+sh+";", ";"+clusterHeader+";") {
			return refuse("", "X-Amz-SignedHeaders %q does not sign %s", sh, clusterHeader)
		}
		return refuse("", "X-Amz-SignedHeaders is %q, want exactly %q", sh, signedHeaders)
	}

	scope := strings.Split(q["X-Amz-Credential"], "/")
	if len(scope) != 5 || scope[3] != stsService || scope[4] != "aws4_request" {
		return refuse("", "X-Amz-Credential %q is not AKID/DATE/REGION/sts/aws4_request", q["X-Amz-Credential"])
	}
	akid, day, region := scope[0], scope[1], scope[2]
	if region != hostRegion {
		return refuse(akid, "credential scope region %q does not match host %q (region %s)", region, u.Host, hostRegion)
	}
	amzDate := q["X-Amz-Date"]
	signedAt, err := time.Parse(amzDateLayout, amzDate)
	if err != nil || len(amzDate) != len(amzDateLayout) {
		return refuse(akid, "X-Amz-Date %q is not YYYYMMDDTHHMMSSZ", amzDate)
	}
	if day != amzDate[:8] {
		return refuse(akid, "credential scope date %q is not X-Amz-Date's day %q", day, amzDate[:8])
	}
	now := v.Now()
	if age := now.Sub(signedAt); age > v.MaxAge {
		return refuse(akid, "token expired: signed %s ago, max age %s", age.Truncate(time.Second), v.MaxAge)
	} else if -age > maxFutureSkew {
		return refuse(akid, "X-Amz-Date %s is %s in the future", amzDate, (-age).Truncate(time.Second))
	}
	// Real EKS accepts a token for 15 minutes whatever X-Amz-Expires says (`aws eks get-token`
	// writes 60), so only its form and STS's ceiling are checked here.
	if n, err := strconv.Atoi(q["X-Amz-Expires"]); err != nil || n < 1 || n > maxExpires {
		return refuse(akid, "X-Amz-Expires %q is not an integer in 1..%d", q["X-Amz-Expires"], maxExpires)
	}

	cred, ok := v.Credentials[akid]
	if !ok {
		return refuse(akid, "unknown access key id")
	}
	gotSession, hasSession := q["X-Amz-Security-Token"]
	switch {
	case cred.SessionToken == "" && hasSession:
		return refuse(akid, "X-Amz-Security-Token given for a key without a session token")
	case cred.SessionToken != "" && !hasSession:
		return refuse(akid, "X-Amz-Security-Token missing")
	case cred.SessionToken != "" && subtle.ConstantTimeCompare([]byte(gotSession), []byte(cred.SessionToken)) != 1:
		return refuse(akid, "X-Amz-Security-Token does not match")
	}

	gotSig := q["X-Amz-Signature"]
	if !hexSignature.MatchString(gotSig) {
		return refuse(akid, "X-Amz-Signature is not 64 lower-case hex digits")
	}
	unsigned := make([]queryParam, 0, len(params))
	for _, p := range params {
		if p.key != "X-Amz-Signature" {
			unsigned = append(unsigned, p)
		}
	}
	want := tokenSignature(unsigned, u.Host, v.ClusterID, cred.SecretAccessKey, day, region, amzDate)
	got, _ := hex.DecodeString(gotSig) // cannot fail: matched hexSignature
	if !hmac.Equal(got, want) {
		return refuse(akid, "signature mismatch (wrong secret, or signed for another cluster id than %q)", v.ClusterID)
	}
	return &Identity{
		Username:        cred.Username,
		UID:             "eks-webhook:" + akid,
		Groups:          cred.Groups,
		AccessKeyID:     akid,
		SignaturePrefix: gotSig[:12],
	}, nil
}

// tokenSignature is the SigV4 signature of a presigned GET https://host/?params that also signs
// the header x-k8s-aws-id: clusterID; params exclude X-Amz-Signature.
func tokenSignature(params []queryParam, host, clusterID, secret, day, region, amzDate string) []byte {
	canonical := canonicalRequest("GET", "/", params,
		[]header{{"host", host}, {clusterHeader, clusterID}}, emptyPayloadHash)
	return signature(signingKey(secret, day, region, stsService),
		stringToSign(amzDate, credentialScope(day, region, stsService), canonical))
}
