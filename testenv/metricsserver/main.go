// Command metrics-server is test tooling only: the real metrics-server
// (sigs.k8s.io/metrics-server, pinned in go.mod), built from the Go module proxy so the test
// clusters (testenv/cluster.sh, run by kwokctl) serve metrics.k8s.io from kwok's emulated
// kubelet /metrics/resource endpoints. It starts metrics-server's own command, as upstream's
// cmd/metrics-server does.
package main

import (
	"os"

	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/component-base/logs"

	"sigs.k8s.io/metrics-server/cmd/metrics-server/app"
)

func main() {
	logs.InitLogs()
	defer logs.FlushLogs()

	cmd := app.NewMetricsServerCommand(genericapiserver.SetupSignalHandler())
	if err := cmd.Execute(); err != nil {
		logs.FlushLogs()
		os.Exit(1)
	}
}
