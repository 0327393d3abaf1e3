// Test tooling only: a Kubernetes webhook token authenticator that verifies EKS bearer tokens
// (aws-iam-authenticator format) against static test credentials. Standard library only.
module periscope.dev/testenv/ekswebhook

go 1.26.0
