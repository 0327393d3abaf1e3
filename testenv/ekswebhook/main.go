// Command eks-webhook is a Kubernetes webhook token authenticator for tests: it answers the
// apiserver's TokenReview (authentication.k8s.io/v1) for EKS bearer tokens ("k8s-aws-v1." +
// presigned STS GetCallerIdentity URL) by checking their SigV4 signature against static test
// credentials from a JSON file. Plain HTTP on a loopback address; one stderr line per decision.
//
//	eks-webhook --config FILE [--addr 127.0.0.1:PORT] [--max-age 15m]   serve
//	eks-webhook token --config FILE [--access-key-id ID] [--region R] [--age D]   print a token
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"time"
)

// Config is the --config file.
type Config struct {
	// ClusterID is the EKS cluster name every token must be signed for (header x-k8s-aws-id).
	ClusterID   string       `json:"clusterID"`
	Credentials []Credential `json:"credentials"`
}

func loadConfig(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	var c Config
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if c.ClusterID == "" {
		return nil, fmt.Errorf("%s: clusterID is empty", path)
	}
	if len(c.Credentials) == 0 {
		return nil, fmt.Errorf("%s: no credentials", path)
	}
	seen := map[string]bool{}
	for i, cr := range c.Credentials {
		if cr.AccessKeyID == "" || cr.SecretAccessKey == "" || cr.Username == "" {
			return nil, fmt.Errorf("%s: credentials[%d] needs accessKeyId, secretAccessKey and username", path, i)
		}
		if seen[cr.AccessKeyID] {
			return nil, fmt.Errorf("%s: access key id %s listed twice", path, cr.AccessKeyID)
		}
		seen[cr.AccessKeyID] = true
	}
	return &c, nil
}

func newVerifier(c *Config, maxAge time.Duration) *Verifier {
	creds := make(map[string]Credential, len(c.Credentials))
	for _, cr := range c.Credentials {
		if cr.Groups == nil {
			cr.Groups = []string{}
		}
		creds[cr.AccessKeyID] = cr
	}
	return &Verifier{ClusterID: c.ClusterID, Credentials: creds, MaxAge: maxAge, Now: time.Now}
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "token" {
		tokenMain(os.Args[2:])
		return
	}
	addr := flag.String("addr", "127.0.0.1:0", "listen address (plain HTTP)")
	configPath := flag.String("config", "", "JSON file: {clusterID, credentials: [{accessKeyId, secretAccessKey, sessionToken?, username, groups}]}")
	maxAge := flag.Duration("max-age", 15*time.Minute, "oldest X-Amz-Date accepted")
	flag.Parse()
	log.SetFlags(log.LstdFlags | log.Lmicroseconds | log.LUTC)
	log.SetPrefix("eks-webhook: ")
	if *configPath == "" || flag.NArg() != 0 {
		flag.Usage()
		os.Exit(2)
	}
	cfg, err := loadConfig(*configPath)
	if err != nil {
		log.Fatalf("config: %v", err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	log.Printf("serving TokenReview on http://%s/tokenreview for cluster %q, %d credential(s), max age %s",
		ln.Addr(), cfg.ClusterID, len(cfg.Credentials), *maxAge)
	srv := &http.Server{
		Handler:           newHandler(newVerifier(cfg, *maxAge)),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
	}
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatalf("serve: %v", err)
	}
}
