# RaftKV build entry points. `make test` is what CI runs (.ci/run).
# The commit goes into the node's raftkv_build_info metric (node/src/main/resources/raftkv-build.properties).
GIT_COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
MVN ?= mvn -B -Draftkv.commit=$(GIT_COMMIT)
SEEDS ?= 100000

.PHONY: help build test sim mutation clean docs-check
.DEFAULT_GOAL := build

## help: list every target with its one-line description (the `## target: description` lines below)
help:
	@awk '/^## [A-Za-z0-9_-]+: / { t = $$2; sub(/:$$/, "", t); d = $$0; sub(/^## [^:]+: */, "", d); \
	  printf "  %-22s %s\n", t, d }' $(firstword $(MAKEFILE_LIST))

## docs-check: every relative link and anchor in README.md and docs/ resolves; every target is described here and in the README
docs-check:
	scripts/docs/check.sh

## build: compile and package every module (no tests), and the node's class-data sharing archive (node/target/raftkv-node.jsa)
build:
	$(MVN) -DskipTests install
	scripts/cds-archive.sh node/target/raftkv-node.jar

## test: the whole suite, as CI runs it (docs checks first; docs/testing.md says what runs)
## The simulation adds a window of fresh seeds derived from SIM_FRESH_KEY (UTC date and commit by
## default); the window is printed, and a failure in it fails.
SIM_FRESH_KEY ?= $(shell date -u +%F)-$(shell git rev-parse --short HEAD 2>/dev/null || echo nogit)
test: docs-check
	@echo "simulation fresh-seed key: $(SIM_FRESH_KEY)"
	$(MVN) install -Dsim.fresh.key=$(SIM_FRESH_KEY)

## sim: a long deterministic-simulation campaign of the Raft core (SEEDS=N from SIM_FIRST_SEED), with a summary
## Surefire writes test output to a file, so the summary is printed from there, pass or fail.
## RAFT_BUILD_DIR lets it run beside another build of raft/ (e.g. RAFT_BUILD_DIR=target-sim).
RAFT_BUILD_DIR ?= target
SIM_FIRST_SEED ?= 1000000
sim:
	@$(MVN) -pl raft test -Dbuild.dir=$(RAFT_BUILD_DIR) -Dtest=SimulationCampaign -Dsim.campaign.seeds=$(SEEDS) \
	  -Dsim.campaign.firstSeed=$(SIM_FIRST_SEED) -Dsurefire.failIfNoSpecifiedTests=false; \
	  status=$$?; cat raft/$(RAFT_BUILD_DIR)/surefire-reports/io.raftkv.raft.sim.SimulationCampaign-output.txt 2>/dev/null; exit $$status

## mutation: PIT mutation testing of the Raft core (not in CI); report in raft/$(RAFT_BUILD_DIR)/pit-reports/
mutation:
	$(MVN) -pl raft test-compile org.pitest:pitest-maven:mutationCoverage -Dbuild.dir=$(RAFT_BUILD_DIR)
	@echo "mutation report: raft/$(RAFT_BUILD_DIR)/pit-reports/index.html"

## clean: delete every module's build output (mvn clean)
clean:
	$(MVN) clean

## raftkvctl: build the CLI fat jar cli/target/raftkvctl.jar (run it with bin/raftkvctl)
.PHONY: raftkvctl
raftkvctl:
	$(MVN) -pl api,cli -am install -DskipTests

## run: build everything and start a local cluster on loopback (NODES=3 by default; data in ./run)
NODES ?= 3
.PHONY: run
run:
	$(MVN) -q -DskipTests install
	scripts/run-local.sh $(NODES)

## e2e-unit: history format, linearizability checker, fault proxy and fault kinds (no node processes)
e2e-unit:
	$(MVN) -pl e2e test

## crds: regenerate the CRDs from operator/…/api/v1alpha1 and refresh every checked-in copy
crds:
	$(MVN) -pl operator -am process-test-classes -DskipTests
	for f in crds config/crd/bases charts/raftkv-operator/files; do \
	  cp operator/target/classes/META-INF/fabric8/raftkv*.raftkv.io-v1.yml $$f/; done

## kustomize-check: render every kustomize base (kubectl required)
kustomize-check:
	for d in config/default config/operator config/samples config/prometheus; do \
	  kubectl kustomize $$d > /dev/null || exit 1; done

## operator-test: the operator module's unit, mock-server and packaged-jar tests
operator-test:
	$(MVN) -pl operator -am verify

IMAGE_REGISTRY ?= raftkv
VERSION ?= 0.1.0

## docker-build: build both images with Docker and a registry (Maven runs inside the build)
docker-build:
	docker build -f Dockerfile.node -t $(IMAGE_REGISTRY)/raftkv-node:$(VERSION) .
	docker build -f Dockerfile.operator -t $(IMAGE_REGISTRY)/raftkv-operator:$(VERSION) .

## images: build both images offline with buildah (base from Debian's packages, jars from Maven); prints sizes
##   The base image is cached; tags $(IMAGE_REGISTRY)/raftkv-{node,operator}:$(VERSION).
## images-test: run both images under podman: a 3-member cluster with a leader kill and rejoin, the operator (CI)
##   Also checks user, read-only root and sizes (docs/images.md). Both targets install buildah,
##   podman, runc and debootstrap from Debian's packages when missing.
images:
	IMAGE_REGISTRY=$(IMAGE_REGISTRY) VERSION=$(VERSION) scripts/images/build.sh

images-test: images
	IMAGE_REGISTRY=$(IMAGE_REGISTRY) VERSION=$(VERSION) scripts/images/test.sh

## deploy: install the namespace, the CRD and the operator into the current kubectl context
deploy:
	kubectl apply -k config/default

## undeploy: remove the operator only (config/operator); the CRD and every RaftKvCluster with its data stay
## The raftkv-system namespace stays too; the clusters keep running unmanaged.
undeploy:
	kubectl delete -k config/operator --ignore-not-found

## uninstall-crd: DELETES THE CRD AND EVERY RaftKvCluster IN EVERY NAMESPACE; needs CONFIRM=delete-all-raftkv-clusters
## Also deletes their volumes where spec.storage.whenDeleted is Delete.
UNINSTALL_CRD_CONFIRMATION = delete-all-raftkv-clusters
uninstall-crd:
	@echo "WARNING: deleting the RaftKvCluster CRD deletes every RaftKvCluster in every namespace," >&2
	@echo "WARNING: their StatefulSets and pods, and the volumes of clusters with whenDeleted: Delete." >&2
	@if [ "$(CONFIRM)" != "$(UNINSTALL_CRD_CONFIRMATION)" ]; then \
	  echo "Refusing. Run: make uninstall-crd CONFIRM=$(UNINSTALL_CRD_CONFIRMATION)" >&2; exit 1; fi
	kubectl delete -k config/crd --ignore-not-found

.PHONY: crds kustomize-check operator-test docker-build images images-test deploy undeploy uninstall-crd

## test-server: the client server's tests (KV/Cluster gRPC, health, /metrics incl. promtool if installed)
test-server:
	$(MVN) -pl node test -Dtest='io.raftkv.node.server.*Test,io.raftkv.node.metrics.*Test' -Dsurefire.failIfNoSpecifiedTests=false

## bench-storage: JMH log-append benchmark and fio's raw write+fdatasync rate on the same disk (not in CI)
## Readys of 1/16/256 entries of 256 B, in BENCH_DIR; needs fio (apt-get install -y fio).
BENCH_DIR ?= /tmp/raftkv-bench-storage
bench-storage:
	$(MVN) -q -pl node -am install -DskipTests
	$(MVN) -q -pl node dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt
	mkdir -p $(BENCH_DIR)
	java --enable-native-access=ALL-UNNAMED -Djava.library.path=node/target/native -Dbench.dir=$(BENCH_DIR) \
	  -cp node/target/test-classes:node/target/classes:$$(cat node/target/bench-classpath.txt) \
	  org.openjdk.jmh.Main 'io.raftkv.node.storage.bench.*' $(JMH_ARGS)
	fio --name=fdatasync --directory=$(BENCH_DIR) --rw=write --bs=4k --size=64m --fdatasync=1 \
	  --ioengine=sync --runtime=15 --time_based --group_reporting
	rm -rf $(BENCH_DIR)
.PHONY: bench-storage

## Benchmarks (issue 8; docs/benchmarks.md). Every target stops the clusters it starts, also on failure.
BENCH_JAR ?= bench/target/raftkv-bench.jar
BENCH_RUN_DIR ?= /tmp/raftkv-bench
BENCH_SYSTEMS ?= etcd,raftkv
BENCH_ARGS ?=
BENCH_JAVA ?= java -XX:+UseG1GC -Xms1g -Xmx2g -jar $(BENCH_JAR)
# Builds the node jar and the benchmark jars (and what they depend on).
BENCH_BUILD = { $(MVN) -q -pl node,bench/spi,bench/etcd-driver,bench/tool -am package -DskipTests && scripts/cds-archive.sh node/target/raftkv-node.jar; }

.PHONY: bench-compare bench-compare-tls bench-failover bench-warm-start bench-smoke jmh

## bench-compare: 3 etcd members, then 3 RaftKV nodes, on loopback; same suite; table, JSON, PNG into docs/benchmarks/
bench-compare:
	scripts/bench/ensure-etcd.sh
	$(BENCH_BUILD)
	scripts/bench/with-cleanup.sh $(BENCH_RUN_DIR) $(BENCH_JAVA) compare --run-dir $(BENCH_RUN_DIR) --systems $(BENCH_SYSTEMS) $(BENCH_ARGS)

## bench-compare-tls: etcd and RaftKV, each plaintext and with TLS on every port (certificates made by the bench, client and peer mutual TLS), the same driver; tables of both with TLS and of each system's TLS cost into docs/benchmarks/tls/
BENCH_TLS_SYSTEMS ?= etcd,etcd-tls,raftkv,raftkv-tls
BENCH_TLS_SCENARIOS ?= put-1c,put-1000c,get-linearizable-1000c
bench-compare-tls:
	scripts/bench/ensure-etcd.sh
	$(BENCH_BUILD)
	scripts/bench/with-cleanup.sh $(BENCH_RUN_DIR) $(BENCH_JAVA) compare --run-dir $(BENCH_RUN_DIR) --systems $(BENCH_TLS_SYSTEMS) --scenarios $(BENCH_TLS_SCENARIOS) --out docs/benchmarks/tls $(BENCH_ARGS)

## bench-failover: SIGKILL the leader 10 times under load, for etcd and RaftKV; time to first successful write
bench-failover:
	scripts/bench/ensure-etcd.sh
	$(BENCH_BUILD)
	scripts/bench/with-cleanup.sh $(BENCH_RUN_DIR) $(BENCH_JAVA) failover --run-dir $(BENCH_RUN_DIR) --systems $(BENCH_SYSTEMS) $(BENCH_ARGS)

## bench-warm-start: a fresh 3-node RaftKV cluster's puts per second from spawn for 60 s, 1 client then 1,000 clients over 100 connections (load generator warmed first); the 10 s figure against the warm tail, JSON into BENCH_RUN_DIR
bench-warm-start:
	$(BENCH_BUILD)
	scripts/bench/with-cleanup.sh $(BENCH_RUN_DIR) $(BENCH_JAVA) warm-start --run-dir $(BENCH_RUN_DIR) --json $(BENCH_RUN_DIR)/warm-start-1c.json $(BENCH_ARGS)
	scripts/bench/with-cleanup.sh $(BENCH_RUN_DIR) $(BENCH_JAVA) warm-start --run-dir $(BENCH_RUN_DIR) --clients 1000 --connections 100 --json $(BENCH_RUN_DIR)/warm-start-1000c.json $(BENCH_ARGS)

## bench-smoke: a few seconds of every operation against a fresh local 3-node RaftKV cluster; fails on any error
bench-smoke:
	test -f node/target/raftkv-node.jar -a -f $(BENCH_JAR) -a -f bench/target/raftkv-bench-etcd-driver.jar || $(BENCH_BUILD)
	scripts/bench/with-cleanup.sh $(BENCH_RUN_DIR) java -jar $(BENCH_JAR) smoke --run-dir $(BENCH_RUN_DIR) $(BENCH_ARGS)

## jmh: JMH microbenchmarks of the hot path (Raft propose->commit in memory, wire codecs); JMH_ARGS to filter
JMH_ARGS ?=
jmh:
	$(MVN) -q -pl bench/spi,bench/etcd-driver,bench/tool -am package -DskipTests
	java -jar $(BENCH_JAR) jmh -rf json -rff docs/benchmarks/jmh.json $(JMH_ARGS)

## etcd-compat: etcd's v3 API checked against etcd's own tools: etcdctl (Debian etcd-client 3.4) on RaftKV and on a real etcd 3.4, outputs compared; jetcd against RaftKV; the API's service tests
.PHONY: etcd-compat
etcd-compat:
	scripts/bench/ensure-etcd.sh
	$(MVN) -pl raft,api,etcd-api,node -DskipTests install
	$(MVN) -pl node test -Dtest='EtcdApiTest,EtcdAuthTest,EtcdLockElectionTest,EtcdWriteOptionsTest,EtcdctlComparisonTest' -Dsurefire.failIfNoSpecifiedTests=false
	$(MVN) -pl etcd-compat test

## it: the node's real-process integration tests (3-node clusters on loopback; ~2-3 min)
.PHONY: it figures
it:
	$(MVN) -pl node test -Dtest='io.raftkv.node.it.*Test' -Dsurefire.failIfNoSpecifiedTests=false

## dr-test: disaster recovery with real node processes: backup under load -> restore into a new cluster -> grow to 3; quorum loss -> --force-new-cluster -> grow to 3
.PHONY: dr-test
dr-test:
	$(MVN) -q -pl node -am install -DskipTests
	$(MVN) -pl node test -Dgroups=disaster-recovery -Dnode.test.excludedGroups= -Dsurefire.failIfNoSpecifiedTests=false

## lease-test: leases and the lock across leader kills on 3 real node processes (orphaned lease expiry figure, LEASE_RUNS runs)
LEASE_RUNS ?= 1
.PHONY: lease-test
lease-test:
	$(MVN) -q -pl node -am install -DskipTests
	$(MVN) -pl node test -Dgroups=lease-failover -Dnode.test.excludedGroups= -Dlease.figure.runs=$(LEASE_RUNS) -Dsurefire.failIfNoSpecifiedTests=false

## dr-figures: for DR_MIB MiB (default 1024): backup, status and restore times on one real node; member replacement and quorum-loss recovery times on three (docs/operations.md)
DR_MIB ?= 1024
.PHONY: dr-figures
dr-figures:
	$(MVN) -q -pl node -am install -DskipTests
	$(MVN) -pl node test -Dgroups=dr-figures -Dnode.test.excludedGroups= -Draftkv.dr.mib=$(DR_MIB) -Dsurefire.failIfNoSpecifiedTests=false

## s3-figures: a backup of S3_MIB MiB (default 1024) streamed by raftkvctl (-Xmx256m) into s3rver: time, MiB/s, peak RSS
S3_MIB ?= 1024
.PHONY: s3-figures
s3-figures:
	$(MVN) -q -pl node,cli -am package -DskipTests
	$(MVN) -pl cli test -Dtest=S3BackupFiguresTest -Draftkv.s3.figures.mib=$(S3_MIB) -Dsurefire.failIfNoSpecifiedTests=false; \
	  status=$$?; grep -h '^S3-FIGURES' cli/target/surefire-reports/io.raftkv.cli.S3BackupFiguresTest-output.txt 2>/dev/null; exit $$status

## figures: failover time (SIGKILL leader -> first acknowledged write, 10 trials) and 3-node put throughput
## Printed from real processes (FIGURES_ARGS e.g. -Draftkv.figures.concurrency=128).
figures:
	$(MVN) -pl node test -Dtest=ClusterFiguresTest -Draftkv.figures=true -Dsurefire.failIfNoSpecifiedTests=false $(FIGURES_ARGS); \
	  status=$$?; grep -hE '^(failover|throughput)' node/target/surefire-reports/io.raftkv.node.it.ClusterFiguresTest-output.txt 2>/dev/null; exit $$status

## core-test: the Raft core's own unit tests only (no simulator campaign; a few seconds)
## core-mutation: PIT on the core driven by those unit tests only (~20 min on one thread)
CORE_TESTS = io.raftkv.raft.*Test
.PHONY: core-test core-mutation
core-test:
	$(MVN) -pl raft test -Dtest='$(CORE_TESTS),!io.raftkv.raft.sim.*' -Dsurefire.failIfNoSpecifiedTests=false

core-mutation:
	$(MVN) -pl raft -Dbuild.dir=target-pit test-compile org.pitest:pitest-maven:mutationCoverage \
	  -DtargetClasses='io.raftkv.raft.*' -DtargetTests='$(CORE_TESTS)' -DexcludedTestClasses='io.raftkv.raft.sim.*' \
	  -Dthreads=1 -DtimestampedReports=false -DoutputFormats=HTML,CSV

## e2e: every operator end-to-end scenario (mock API server, real operator and node processes, simulated kubelet with Jobs)
## Scenarios of issue 6 in e2e/src/test/java/io/raftkv/e2e/k8s. `make test` runs scenarios 1, 2
## and 5; this adds 3 (scale 3->5->3 under writes) and 4 (rolling image change).
## E2E_BUILD_DIR lets it run beside another build (e.g. E2E_BUILD_DIR=target-e2e). Prints one line per scenario.
E2E_BUILD_DIR ?= target
.PHONY: e2e
e2e:
	@$(MVN) -pl node,operator,e2e -am package -Dbuild.dir=$(E2E_BUILD_DIR) -Dtest='io.raftkv.e2e.k8s.*E2eTest' \
	  -Draftkv.e2e.full=true -Dsurefire.failIfNoSpecifiedTests=false; \
	  status=$$?; grep -h '^E2E-SCENARIO' e2e/$(E2E_BUILD_DIR)/surefire-reports/io.raftkv.e2e.k8s.*-output.txt 2>/dev/null; exit $$status

## Chaos (issue 7; docs/testing.md). Real node processes behind a fault proxy on every peer link.
## chaos-short: the short chaos run that `make test` includes: every fault kind once on 3 nodes (~15 s each; kill-leader and rotate-ca with TLS)
## chaos: the chaos gate: 9 fault kinds (with rotate-ca) x CHAOS_HISTORIES x CHAOS_SECONDS on CHAOS_NODES nodes,
##   TLS and auth on (CHAOS_TLS=false: plaintext, except rotate-ca); summary table
##   At least 6,000 ops per history; histories stay under $(CHAOS_DIR)/gate-<time>/.
##   Knobs: CHAOS_ARGS='-Dchaos.faults=kill-leader -Dchaos.seed=N' (replay), CHAOS_BUILD_DIR=target-x
##   (build beside another build), CHAOS_NODES=3,5 (both sizes).
CHAOS_DIR ?= /tmp/raftkv-chaos
CHAOS_HISTORIES ?= 5
CHAOS_SECONDS ?= 60
CHAOS_NODES ?= 3
CHAOS_TLS ?= true
CHAOS_BUILD_DIR ?= target
CHAOS_ARGS ?=
## hostile: the hostile-client suite, 30 s per attack (HOSTILE_SECONDS), 8 attacks on 3 nodes; prints the table
HOSTILE_SECONDS ?= 30
.PHONY: chaos chaos-short hostile
hostile:
	@$(MVN) -pl chaos -am package -Dbuild.dir=$(CHAOS_BUILD_DIR) -Dtest=HostileSuiteTest \
	  -Dsurefire.failIfNoSpecifiedTests=false -Dchaos.dir=$(CHAOS_DIR) -Dhostile.seconds=$(HOSTILE_SECONDS) \
	  -Dhostile.strict=true $(CHAOS_ARGS); \
	  status=$$?; last=$$(ls -td $(CHAOS_DIR)/hostile-*/ 2>/dev/null | head -1); \
	  if [ -n "$$last" ]; then cat "$$last/hostile-table.md"; fi; exit $$status

## backpressure: the backpressure benchmark — never-reading pipeline, Range-page flood, 2,000 idle connections against 3 nodes, limits as shipped and lifted, BACKPRESSURE_ROUNDS rounds (each under BACKPRESSURE_LOCK); report in BACKPRESSURE_DIR/report.md
BACKPRESSURE_ROUNDS ?= 3
BACKPRESSURE_SECONDS ?= 8
BACKPRESSURE_DIR ?= $(CURDIR)/target/backpressure
BACKPRESSURE_LOCK ?= flock /tmp/heavy.lock
.PHONY: backpressure
backpressure:
	@$(MVN) -q -pl chaos -am install -DskipTests
	@rm -rf $(BACKPRESSURE_DIR); mkdir -p $(BACKPRESSURE_DIR); uptime > $(BACKPRESSURE_DIR)/load.txt
	@for r in $$(seq 1 $(BACKPRESSURE_ROUNDS)); do \
	  $(BACKPRESSURE_LOCK) sh -c 'uptime >> $(BACKPRESSURE_DIR)/load.txt; $(MVN) -pl chaos test -Dtest=BackpressureBenchTest \
	    -Dbackpressure.round='$$r' -Dbackpressure.seconds=$(BACKPRESSURE_SECONDS) -Dbackpressure.dir=$(BACKPRESSURE_DIR); \
	    status=$$?; uptime >> $(BACKPRESSURE_DIR)/load.txt; exit $$status' || exit 1; done
	@$(MVN) -q -pl chaos test -Dtest=BackpressureBenchTest -Dbackpressure.report=true -Dbackpressure.dir=$(BACKPRESSURE_DIR)
	@cat $(BACKPRESSURE_DIR)/report.md $(BACKPRESSURE_DIR)/load.txt

chaos-short:
	@$(MVN) -pl chaos -am package -Dbuild.dir=$(CHAOS_BUILD_DIR) -Dtest=ChaosShortRunTest \
	  -Dsurefire.failIfNoSpecifiedTests=false -Dchaos.dir=$(CHAOS_DIR) $(CHAOS_ARGS); \
	  status=$$?; last=$$(ls -td $(CHAOS_DIR)/short-*/ 2>/dev/null | head -1); \
	  if [ -n "$$last" ]; then cat "$$last/summary.txt"; fi; exit $$status

chaos:
	@$(MVN) -pl chaos -am package -Dbuild.dir=$(CHAOS_BUILD_DIR) -Dtest=ChaosGateTest \
	  -Dsurefire.failIfNoSpecifiedTests=false -Dchaos.gate=true -Dchaos.dir=$(CHAOS_DIR) \
	  -Dchaos.histories=$(CHAOS_HISTORIES) -Dchaos.seconds=$(CHAOS_SECONDS) -Dchaos.nodes=$(CHAOS_NODES) \
	  -Dchaos.tls=$(CHAOS_TLS) $(CHAOS_ARGS); \
	  status=$$?; last=$$(ls -td $(CHAOS_DIR)/gate-*/ 2>/dev/null | head -1); \
	  if [ -n "$$last" ]; then cat "$$last/summary.txt"; fi; exit $$status

## Monitoring (issue 23; docs/observability.md). promtool and prometheus come from Debian's
## `prometheus` package, installed here when missing (root and apt-get needed, as on CI).
## monitoring: regenerate the PrometheusRule, the dashboards and their chart copies from their sources
## rules-test: promtool check + unit tests of the alert rules; the generated copies are up to date
## observability-test: a real Prometheus scraping a cluster run by the real operator, leader killed under load (~5 min)
##   The cluster runs on the e2e rig; prints the OBS lines;
##   OBS_PICTURE=docs/observability-leader-kill.png also renders the main panels
.PHONY: monitoring rules-test observability-test prometheus-installed
OBS_PICTURE ?=
## prometheus-installed: install Debian's prometheus package (promtool, prometheus) when missing (used by the two above)
prometheus-installed:
	@command -v promtool >/dev/null && command -v prometheus >/dev/null || \
	  { echo "installing Debian's prometheus package (promtool, prometheus)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null; }

monitoring:
	scripts/monitoring/render.sh

rules-test: prometheus-installed
	promtool check rules config/prometheus/rules/raftkv.rules.yaml
	cd config/prometheus/rules && promtool test rules raftkv.rules.test.yaml
	CHECK=1 scripts/monitoring/render.sh

observability-test: prometheus-installed
	$(MVN) -q -pl node,operator,e2e -am install -DskipTests
	$(MVN) -pl e2e test -Dtest=ObservabilityIT -Dsurefire.failIfNoSpecifiedTests=false \
	  -Dobs.picture=$(OBS_PICTURE); \
	  status=$$?; grep -h '^OBS' e2e/target/surefire-reports/io.raftkv.e2e.k8s.ObservabilityIT-output.txt 2>/dev/null; exit $$status
