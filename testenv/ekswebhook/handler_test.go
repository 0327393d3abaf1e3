package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func postReview(t *testing.T, srv *httptest.Server, body string) (int, tokenReview) {
	t.Helper()
	resp, err := http.Post(srv.URL+"/tokenreview", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var review tokenReview
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(&review); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode, review
}

func reviewBody(token string) string {
	b, _ := json.Marshal(tokenReview{APIVersion: reviewAPIVersion, Kind: reviewKind, Spec: tokenReviewSpec{Token: token}})
	return string(b)
}

func TestTokenReviewAPI(t *testing.T) {
	now := time.Now().UTC()
	srv := httptest.NewServer(newHandler(testVerifier(now)))
	defer srv.Close()

	code, review := postReview(t, srv, reviewBody(validSpec(now).withDefaults().token()))
	if code != http.StatusOK || !review.Status.Authenticated || review.Status.User == nil {
		t.Fatalf("valid token: %d %+v", code, review)
	}
	u := review.Status.User
	if u.Username != "periscope-eks-server" || u.UID != "eks-webhook:"+exampleAKID || u.Groups == nil ||
		len(u.Groups) != 0 || u.Extra["accessKeyId"][0] != exampleAKID {
		t.Fatalf("user = %+v", u)
	}
	if review.APIVersion != reviewAPIVersion || review.Kind != reviewKind || review.Status.Error != "" {
		t.Fatalf("reply = %+v", review)
	}

	code, review = postReview(t, srv, reviewBody("k8s-aws-v1.bm90IGEgdG9rZW4"))
	if code != http.StatusOK || review.Status.Authenticated || review.Status.User != nil || review.Status.Error == "" {
		t.Fatalf("bad token: %d %+v", code, review)
	}

	for _, body := range []string{"not json", `{"apiVersion":"authentication.k8s.io/v1beta1","kind":"TokenReview"}`} {
		if code, _ := postReview(t, srv, body); code != http.StatusBadRequest {
			t.Fatalf("body %q: status %d, want 400", body, code)
		}
	}
	resp, err := http.Get(srv.URL + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) string {
		p := filepath.Join(dir, "c.json")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	c, err := loadConfig(write(`{"clusterID":"c","credentials":[{"accessKeyId":"A","secretAccessKey":"s","username":"u","groups":[]}]}`))
	if err != nil || c.ClusterID != "c" || c.Credentials[0].Username != "u" {
		t.Fatalf("valid config: %+v %v", c, err)
	}
	for name, body := range map[string]string{
		"unknown key":     `{"clusterName":"c","credentials":[{"accessKeyId":"A","secretAccessKey":"s","username":"u"}]}`,
		"no cluster":      `{"credentials":[{"accessKeyId":"A","secretAccessKey":"s","username":"u"}]}`,
		"no credentials":  `{"clusterID":"c","credentials":[]}`,
		"no secret":       `{"clusterID":"c","credentials":[{"accessKeyId":"A","username":"u"}]}`,
		"duplicate AKID":  `{"clusterID":"c","credentials":[{"accessKeyId":"A","secretAccessKey":"s","username":"u"},{"accessKeyId":"A","secretAccessKey":"t","username":"v"}]}`,
		"not json at all": `clusterID: c`,
	} {
		if _, err := loadConfig(write(body)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
