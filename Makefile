# RaftKV build entry points. `make test` is what CI runs (.ci/run).
MVN ?= mvn -B
SEEDS ?= 100000

.PHONY: build test sim mutation clean

## build: compile and package every module (no tests)
build:
	$(MVN) -DskipTests install

## test: the whole suite, as CI runs it
test:
	$(MVN) install

## sim: a long deterministic-simulation campaign of the Raft core (SEEDS=N); prints a summary
## (Surefire writes test output to a file, so the summary is printed from there, pass or fail).
## RAFT_BUILD_DIR lets it run beside another build of raft/ (e.g. RAFT_BUILD_DIR=target-sim).
RAFT_BUILD_DIR ?= target
sim:
	@$(MVN) -pl raft test -Dbuild.dir=$(RAFT_BUILD_DIR) -Dtest=SimulationCampaign -Dsim.campaign.seeds=$(SEEDS) -Dsurefire.failIfNoSpecifiedTests=false; \
	  status=$$?; cat raft/$(RAFT_BUILD_DIR)/surefire-reports/io.raftkv.raft.sim.SimulationCampaign-output.txt 2>/dev/null; exit $$status

## mutation: PIT mutation testing of the Raft core (not in CI); report in raft/$(RAFT_BUILD_DIR)/pit-reports/
mutation:
	$(MVN) -pl raft test-compile org.pitest:pitest-maven:mutationCoverage -Dbuild.dir=$(RAFT_BUILD_DIR)
	@echo "mutation report: raft/$(RAFT_BUILD_DIR)/pit-reports/index.html"

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

## crds: regenerate the CRD from operator/…/api/v1alpha1 and refresh every checked-in copy
crds:
	$(MVN) -pl operator -am process-classes -DskipTests
	for f in crds config/crd/bases charts/raftkv-operator/crds; do \
	  cp operator/target/classes/META-INF/fabric8/raftkvclusters.raftkv.io-v1.yml $$f/; done

## kustomize-check: render every kustomize base (kubectl required)
kustomize-check:
	for d in config/default config/samples config/prometheus; do \
	  kubectl kustomize $$d > /dev/null || exit 1; done

## operator-test: the operator module's unit, mock-server and packaged-jar tests
operator-test:
	$(MVN) -pl operator -am verify

IMAGE_REGISTRY ?= raftkv
VERSION ?= 0.1.0

## docker-build: build both images (needs a Docker engine; there is none on the CI machines)
docker-build:
	docker build -f Dockerfile.node -t $(IMAGE_REGISTRY)/raftkv-node:$(VERSION) .
	docker build -f Dockerfile.operator -t $(IMAGE_REGISTRY)/raftkv-operator:$(VERSION) .

## deploy: install the operator into the current kubectl context (needs a real cluster)
deploy:
	kubectl apply -k config/default

## undeploy: remove the operator (RaftKvClusters and their data stay unless deleted first)
undeploy:
	kubectl delete -k config/default --ignore-not-found

.PHONY: crds kustomize-check operator-test docker-build deploy undeploy

## test-server: the client server's tests (KV/Cluster gRPC, health, /metrics incl. promtool if installed)
test-server:
	$(MVN) -pl node test -Dtest='io.raftkv.node.server.*Test,io.raftkv.node.metrics.*Test' -Dsurefire.failIfNoSpecifiedTests=false
