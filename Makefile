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

## sim: a long deterministic-simulation campaign of the Raft core (SEEDS=N)
sim:
	$(MVN) -pl raft -am install -DskipTests
	$(MVN) -pl raft surefire:test -Dtest=SimulationCampaign -Dsim.campaign.seeds=$(SEEDS) -Dsurefire.failIfNoSpecifiedTests=false -DredirectTestOutputToFile=false

## mutation: PIT mutation testing of the Raft core (not in CI)
mutation:
	$(MVN) -pl raft -am install -DskipTests
	$(MVN) -pl raft org.pitest:pitest-maven:mutationCoverage

clean:
	$(MVN) clean

## raftkvctl: build the CLI fat jar cli/target/raftkvctl.jar (run it with bin/raftkvctl)
.PHONY: raftkvctl
raftkvctl:
	$(MVN) -pl api,cli -am install -DskipTests
