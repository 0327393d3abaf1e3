// Command oci-registry is test tooling only: a real OCI distribution registry (the
// distribution/distribution server, in-memory storage) over TLS with a certificate it makes
// for the addresses it is given, so Helm install tests can push charts to an OCI registry and
// Periscope can pull them over HTTPS, trusting the written CA file.
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"log"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/distribution/distribution/v3/configuration"
	"github.com/distribution/distribution/v3/registry"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/inmemory"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:5000", "address to listen on")
	ips := flag.String("ips", "127.0.0.1", "comma-separated IP addresses the certificate names")
	dir := flag.String("dir", ".", "directory for the certificate, its key and ca.pem")
	flag.Parse()

	certFile, keyFile := filepath.Join(*dir, "tls.crt"), filepath.Join(*dir, "tls.key")
	if err := makeCertificate(splitIPs(*ips), certFile, keyFile, filepath.Join(*dir, "ca.pem")); err != nil {
		log.Fatalf("certificate: %v", err)
	}
	config := &configuration.Configuration{}
	config.HTTP.Addr = *addr
	config.HTTP.TLS.Certificate = certFile
	config.HTTP.TLS.Key = keyFile
	config.Log.Level = "error"
	config.Log.AccessLog.Disabled = true
	config.Storage = configuration.Storage{"inmemory": configuration.Parameters{}}
	reg, err := registry.NewRegistry(context.Background(), config)
	if err != nil {
		log.Fatalf("registry: %v", err)
	}
	if err := reg.ListenAndServe(); err != nil {
		log.Fatalf("serve: %v", err)
	}
}

func splitIPs(list string) []net.IP {
	var out []net.IP
	start := 0
	for i := 0; i <= len(list); i++ {
		if i == len(list) || list[i] == ',' {
			if ip := net.ParseIP(list[start:i]); ip != nil {
				out = append(out, ip)
			}
			start = i + 1
		}
	}
	return out
}

// makeCertificate writes a serving certificate for ips, signed by a CA of its own (ca.pem).
func makeCertificate(ips []net.IP, certFile, keyFile, caFile string) error {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	ca := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "periscope test OCI registry CA"},
		NotBefore:             time.Now().Add(-time.Minute),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "periscope test OCI registry"},
		NotBefore:    time.Now().Add(-time.Minute),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	certPEM := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), caPEM...)
	if err := os.WriteFile(certFile, certPEM, 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(caFile, caPEM, 0o600); err != nil {
		return err
	}
	return os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
}
