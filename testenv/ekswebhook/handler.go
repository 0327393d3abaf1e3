package main

// The webhook token authentication API: the apiserver POSTs a TokenReview with spec.token and
// reads status.authenticated, status.user and status.error from the reply. A refused token is a
// 200 with authenticated:false; only a request that is not a TokenReview gets a 4xx.

import (
	"encoding/json"
	"log"
	"net/http"
	"strings"
)

const (
	reviewAPIVersion = "authentication.k8s.io/v1"
	reviewKind       = "TokenReview"
	maxBodyBytes     = 1 << 20
)

type tokenReview struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Spec       tokenReviewSpec   `json:"spec"`
	Status     tokenReviewStatus `json:"status"`
}

type tokenReviewSpec struct {
	Token     string   `json:"token"`
	Audiences []string `json:"audiences,omitempty"`
}

type tokenReviewStatus struct {
	Authenticated bool      `json:"authenticated"`
	User          *userInfo `json:"user,omitempty"`
	Error         string    `json:"error,omitempty"`
}

type userInfo struct {
	Username string              `json:"username"`
	UID      string              `json:"uid"`
	Groups   []string            `json:"groups"`
	Extra    map[string][]string `json:"extra,omitempty"`
}

func newHandler(v *Verifier) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("ok"))
	})
	mux.HandleFunc("POST /tokenreview", func(w http.ResponseWriter, r *http.Request) {
		var review tokenReview
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
		if err := dec.Decode(&review); err != nil {
			log.Printf("bad request: body is not JSON: %v", err)
			http.Error(w, "body is not a JSON TokenReview", http.StatusBadRequest)
			return
		}
		if review.APIVersion != reviewAPIVersion || review.Kind != reviewKind {
			log.Printf("bad request: got %s %s", review.APIVersion, review.Kind)
			http.Error(w, "want apiVersion "+reviewAPIVersion+", kind "+reviewKind, http.StatusBadRequest)
			return
		}
		reply := tokenReview{APIVersion: reviewAPIVersion, Kind: reviewKind}
		id, terr := v.Verify(review.Spec.Token)
		if terr != nil {
			log.Printf("deny akid=%s reason=%q", orDash(terr.AKID), terr.Reason)
			reply.Status.Error = terr.Reason
		} else {
			log.Printf("allow akid=%s user=%s groups=[%s] sig=%s", id.AccessKeyID, id.Username,
				strings.Join(id.Groups, ","), id.SignaturePrefix)
			reply.Status.Authenticated = true
			reply.Status.User = &userInfo{
				Username: id.Username,
				UID:      id.UID,
				Groups:   id.Groups,
				Extra:    map[string][]string{"accessKeyId": {id.AccessKeyID}},
			}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(reply)
	})
	return mux
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
