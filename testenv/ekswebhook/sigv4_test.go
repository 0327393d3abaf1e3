package main

// AWS's published Signature Version 4 examples, replayed through the helpers the verifier uses.

import (
	"encoding/hex"
	"testing"
)

const (
	exampleAKID   = "AKIDEXAMPLE"
	exampleSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
)

// "Examples of how to derive a signing key for Signature Version 4" (AWS General Reference).
func TestSigningKeyDerivationExample(t *testing.T) {
	got := hex.EncodeToString(signingKey(exampleSecret, "20120215", "us-east-1", "iam"))
	const want = "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
	if got != want {
		t.Fatalf("signing key = %s, want %s", got, want)
	}
}

// The IAM ListUsers walk-through of the SigV4 documentation (tasks 1-3): canonical request hash,
// signing key and signature.
func TestIAMListUsersExample(t *testing.T) {
	canonical := canonicalRequest("GET", "/",
		[]queryParam{{"Version", "2010-05-08"}, {"Action", "ListUsers"}},
		[]header{
			{"content-type", "application/x-www-form-urlencoded; charset=utf-8"},
			{"host", "iam.amazonaws.com"},
			{"x-amz-date", "20150830T123600Z"},
		}, emptyPayloadHash)
	const wantCanonical = "GET\n/\nAction=ListUsers&Version=2010-05-08\n" +
		"content-type:application/x-www-form-urlencoded; charset=utf-8\nhost:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n" +
		"content-type;host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	if canonical != wantCanonical {
		t.Fatalf("canonical request:\n%s\nwant:\n%s", canonical, wantCanonical)
	}
	if got, want := hexSHA256(canonical), "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"; got != want {
		t.Fatalf("canonical request hash = %s, want %s", got, want)
	}
	key := signingKey(exampleSecret, "20150830", "us-east-1", "iam")
	if got, want := hex.EncodeToString(key), "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"; got != want {
		t.Fatalf("signing key = %s, want %s", got, want)
	}
	sts := stringToSign("20150830T123600Z", credentialScope("20150830", "us-east-1", "iam"), canonical)
	if got, want := hex.EncodeToString(signature(key, sts)), "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"; got != want {
		t.Fatalf("signature = %s, want %s", got, want)
	}
}

// The presigned-URL example of the S3 documentation ("Authenticating Requests: Using Query
// Parameters"): a query-string signature like an EKS token's, with "/" in the credential
// percent-encoded in the canonical query.
func TestS3PresignedURLExample(t *testing.T) {
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	canonical := canonicalRequest("GET", "/test.txt", []queryParam{
		{"X-Amz-Algorithm", "AWS4-HMAC-SHA256"},
		{"X-Amz-Credential", "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request"},
		{"X-Amz-Date", "20130524T000000Z"},
		{"X-Amz-Expires", "86400"},
		{"X-Amz-SignedHeaders", "host"},
	}, []header{{"host", "examplebucket.s3.amazonaws.com"}}, "UNSIGNED-PAYLOAD")
	const wantQuery = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request" +
		"&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
	if want := "GET\n/test.txt\n" + wantQuery + "\nhost:examplebucket.s3.amazonaws.com\n\nhost\nUNSIGNED-PAYLOAD"; canonical != want {
		t.Fatalf("canonical request:\n%s\nwant:\n%s", canonical, want)
	}
	sts := stringToSign("20130524T000000Z", credentialScope("20130524", "us-east-1", "s3"), canonical)
	got := hex.EncodeToString(signature(signingKey(secret, "20130524", "us-east-1", "s3"), sts))
	if want := "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"; got != want {
		t.Fatalf("signature = %s, want %s", got, want)
	}
}

func TestURIEncode(t *testing.T) {
	for in, want := range map[string]string{
		"AZaz09-_.~":        "AZaz09-_.~",
		"a b/c+d=e;f&g":     "a%20b%2Fc%2Bd%3De%3Bf%26g",
		"é":                 "%C3%A9",
		"host;x-k8s-aws-id": "host%3Bx-k8s-aws-id",
	} {
		if got := uriEncode(in); got != want {
			t.Errorf("uriEncode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCanonicalQuerySortsByEncodedKey(t *testing.T) {
	got := canonicalQuery([]queryParam{{"b", "2"}, {"A", "x y"}, {"a", "1"}, {"X-Amz-Date", "d"}})
	if want := "A=x%20y&X-Amz-Date=d&a=1&b=2"; got != want {
		t.Fatalf("canonicalQuery = %q, want %q", got, want)
	}
}
