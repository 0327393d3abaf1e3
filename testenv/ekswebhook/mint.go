package main

// Minting tokens, for the testenv's self-check and for people trying the webhook by hand
// (`eks-webhook token --config FILE`). Periscope's own token code is a separate implementation in
// Rust; the unit tests pin this side to tokens printed by the real `aws eks get-token`.

import (
	"encoding/base64"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"
)

// tokenParams are the query parameters of a token in the order `aws eks get-token` writes them,
// before X-Amz-Signature.
func tokenParams(akid, sessionToken, day, region, amzDate string) []queryParam {
	params := []queryParam{
		{"Action", "GetCallerIdentity"},
		{"Version", "2011-06-15"},
		{"X-Amz-Algorithm", sigV4Algorithm},
		{"X-Amz-Credential", akid + "/" + day + "/" + region + "/sts/aws4_request"},
		{"X-Amz-Date", amzDate},
		{"X-Amz-Expires", "60"},
		{"X-Amz-SignedHeaders", signedHeaders},
	}
	if sessionToken != "" {
		params = append(params, queryParam{"X-Amz-Security-Token", sessionToken})
	}
	return params
}

// signedQuery is params in order, each key and value URI-encoded, then X-Amz-Signature.
func signedQuery(params []queryParam, host, clusterID, secret, day, region, amzDate string) string {
	var b strings.Builder
	for _, p := range params {
		b.WriteString(uriEncode(p.key) + "=" + uriEncode(p.value) + "&")
	}
	sig := tokenSignature(params, host, clusterID, secret, day, region, amzDate)
	return b.String() + "X-Amz-Signature=" + hex.EncodeToString(sig)
}

// encodeToken wraps a presigned URL as an EKS bearer token.
func encodeToken(presignedURL string) string {
	return tokenPrefix + base64.RawURLEncoding.EncodeToString([]byte(presignedURL))
}

// mintToken is the token `aws eks get-token` would print for cred at time at, against the
// regional STS endpoint of region.
func mintToken(cred Credential, clusterID, region string, at time.Time) string {
	at = at.UTC()
	host := "sts." + region + ".amazonaws.com"
	day, amzDate := at.Format("20060102"), at.Format(amzDateLayout)
	q := signedQuery(tokenParams(cred.AccessKeyID, cred.SessionToken, day, region, amzDate), host, clusterID,
		cred.SecretAccessKey, day, region, amzDate)
	return encodeToken("https://" + host + "/?" + q)
}

// tokenMain is `eks-webhook token`: prints a token for the first (or the named) credential.
func tokenMain(args []string) {
	fs := flag.NewFlagSet("eks-webhook token", flag.ExitOnError)
	configPath := fs.String("config", "", "the webhook's JSON config")
	akid := fs.String("access-key-id", "", "credential to sign with (default: the first)")
	region := fs.String("region", "us-east-1", "STS region (host sts.REGION.amazonaws.com)")
	age := fs.Duration("age", 0, "sign as if this long ago (e.g. 16m for an expired token)")
	fs.Parse(args)
	if *configPath == "" || fs.NArg() != 0 {
		fs.Usage()
		os.Exit(2)
	}
	cfg, err := loadConfig(*configPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "eks-webhook token:", err)
		os.Exit(1)
	}
	cred := cfg.Credentials[0]
	if *akid != "" {
		found := false
		for _, c := range cfg.Credentials {
			if c.AccessKeyID == *akid {
				cred, found = c, true
			}
		}
		if !found {
			fmt.Fprintf(os.Stderr, "eks-webhook token: no credential %s in %s\n", *akid, *configPath)
			os.Exit(1)
		}
	}
	fmt.Println(mintToken(cred, cfg.ClusterID, *region, time.Now().Add(-*age)))
}
