package io.raftkv.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.model.annotation.SpecReplicas;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The desired state of a RaftKV cluster. Field initializers mirror the schema defaults, so an
 * object read from an API server that did not apply defaults (an older CRD, the mock server)
 * behaves the same as one that did.
 *
 * <p>Read leniently: a spec that cannot be deserialized becomes an {@link UnreadableSpec}, which
 * the reconciler reports on that cluster alone (see {@link LenientSpecDeserializer}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonDeserialize(using = LenientSpecDeserializer.class)
public class RaftKvClusterSpec {

    public static final int DEFAULT_REPLICAS = 3;
    public static final String DEFAULT_IMAGE = "raftkv/raftkv-node:0.1.0";

    @SpecReplicas
    @Min(1)
    @Max(9)
    @Default("3")
    @ValidationRule(
            value = "self % 2 == 1",
            message = "replicas must be odd (1, 3, 5, 7 or 9): an even count adds no fault tolerance")
    @JsonPropertyDescription("Number of Raft voters (pods). Must be odd, from 1 to 9: a cluster of n"
            + " tolerates the loss of (n-1)/2 members.")
    private Integer replicas = DEFAULT_REPLICAS;

    @Default(DEFAULT_IMAGE)
    @Pattern("^\\S+$")
    @JsonPropertyDescription("Container image of the RaftKV node.")
    private String image = DEFAULT_IMAGE;

    @Default("IfNotPresent")
    @JsonPropertyDescription("When the kubelet pulls the node image.")
    private ImagePullPolicy imagePullPolicy = ImagePullPolicy.IfNotPresent;

    @JsonPropertyDescription("Names of Secrets in the cluster's namespace used to pull the image.")
    private List<String> imagePullSecrets;

    @JsonPropertyDescription("CPU and memory requests and limits of the node container. When"
            + " unset: requests 500m CPU and 1Gi memory, limit 1Gi memory (the JVM sizes its heap"
            + " from the memory limit). Quantities are checked at admission.")
    private ResourceRequirements resources;

    @JsonPropertyDescription("Persistent storage of each member (Raft log and state machine).")
    private StorageSpec storage = new StorageSpec();

    @JsonPropertyDescription("Raft timing and log compaction settings, passed to every node.")
    private RaftTuningSpec raft = new RaftTuningSpec();

    @JsonPropertyDescription(
            "Where the pods may run: affinity, tolerations, node selector," + " topology spread and priority.")
    private SchedulingSpec scheduling = new SchedulingSpec();

    @JsonPropertyDescription("How clients reach the cluster.")
    private ClientServiceSpec clientService = new ClientServiceSpec();

    @JsonPropertyDescription("Scraping by a Prometheus Operator (a PodMonitor for the pods).")
    private MonitoringSpec monitoring = new MonitoringSpec();

    @JsonPropertyDescription(
            "TLS on the peer and client ports with operator-managed" + " certificates (docs/security.md).")
    private TlsSpec tls = new TlsSpec();

    @JsonPropertyDescription("Client authentication and roles on the client port (needs TLS).")
    private AuthSpec auth = new AuthSpec();

    @JsonPropertyDescription("The NetworkPolicy of the member pods.")
    private NetworkPolicySpec networkPolicy = new NetworkPolicySpec();

    @ValidationRule(
            value = "self == oldSelf",
            message = "spec.restore is immutable: a restore happens once, at creation")
    @JsonPropertyDescription("Bootstrap the new cluster from a backup (docs/operations.md, \"Restore on"
            + " Kubernetes\"). Only when the cluster is created; immutable.")
    private RestoreSpec restore;

    @JsonPropertyDescription("Automatic compaction of the key history (etcd's --auto-compaction-*):"
            + " by default the leader keeps one hour of history.")
    private AutoCompactionSpec autoCompaction = new AutoCompactionSpec();

    @JsonPropertyDescription("Automatic: a member whose volume its node refuses at start-up (exit 3:"
            + " corrupt or unreadable storage) or that the CORRUPT alarm names is replaced by the operator"
            + " while the other members hold a quorum: removed from the Raft configuration, its"
            + " PersistentVolumeClaim and pod deleted, the pod's fresh member added (new id, catch-up by"
            + " snapshot) and promoted, the CORRUPT alarm of the removed member disarmed. Manual: the"
            + " operator only reports it (Degraded) and a person acts (docs/operations.md).")
    private MemberRepair memberRepair = MemberRepair.Automatic;

    /** Whether the operator replaces a member whose data is lost or corrupt. */
    public enum MemberRepair {
        Automatic,
        Manual
    }

    @JsonPropertyDescription("Extra labels put on every object the operator creates and on the"
            + " pods. The app.kubernetes.io/* labels the operator sets cannot be overridden.")
    private Map<String, String> labels = new LinkedHashMap<>();

    @JsonPropertyDescription("Extra annotations put on every object the operator creates and on" + " the pods.")
    private Map<String, String> annotations = new LinkedHashMap<>();

    public Integer getReplicas() {
        return replicas;
    }

    public void setReplicas(Integer replicas) {
        this.replicas = replicas;
    }

    public String getImage() {
        return image;
    }

    public void setImage(String image) {
        this.image = image;
    }

    public ImagePullPolicy getImagePullPolicy() {
        return imagePullPolicy;
    }

    public void setImagePullPolicy(ImagePullPolicy imagePullPolicy) {
        this.imagePullPolicy = imagePullPolicy;
    }

    public List<String> getImagePullSecrets() {
        return imagePullSecrets;
    }

    public void setImagePullSecrets(List<String> imagePullSecrets) {
        this.imagePullSecrets = imagePullSecrets;
    }

    public ResourceRequirements getResources() {
        return resources;
    }

    public void setResources(ResourceRequirements resources) {
        this.resources = resources;
    }

    public StorageSpec getStorage() {
        return storage;
    }

    public void setStorage(StorageSpec storage) {
        this.storage = storage;
    }

    public TlsSpec getTls() {
        return tls;
    }

    public void setTls(TlsSpec tls) {
        this.tls = tls;
    }

    public AuthSpec getAuth() {
        return auth;
    }

    public void setAuth(AuthSpec auth) {
        this.auth = auth;
    }

    public NetworkPolicySpec getNetworkPolicy() {
        return networkPolicy;
    }

    public void setNetworkPolicy(NetworkPolicySpec networkPolicy) {
        this.networkPolicy = networkPolicy;
    }

    public MonitoringSpec getMonitoring() {
        return monitoring;
    }

    public void setMonitoring(MonitoringSpec monitoring) {
        this.monitoring = monitoring;
    }

    public MemberRepair getMemberRepair() {
        return memberRepair;
    }

    public void setMemberRepair(MemberRepair memberRepair) {
        this.memberRepair = memberRepair;
    }

    public AutoCompactionSpec getAutoCompaction() {
        return autoCompaction;
    }

    public void setAutoCompaction(AutoCompactionSpec autoCompaction) {
        this.autoCompaction = autoCompaction;
    }

    public RaftTuningSpec getRaft() {
        return raft;
    }

    public void setRaft(RaftTuningSpec raft) {
        this.raft = raft;
    }

    public SchedulingSpec getScheduling() {
        return scheduling;
    }

    public void setScheduling(SchedulingSpec scheduling) {
        this.scheduling = scheduling;
    }

    public ClientServiceSpec getClientService() {
        return clientService;
    }

    public void setClientService(ClientServiceSpec clientService) {
        this.clientService = clientService;
    }

    public RestoreSpec getRestore() {
        return restore;
    }

    public void setRestore(RestoreSpec restore) {
        this.restore = restore;
    }

    public Map<String, String> getLabels() {
        return labels;
    }

    public void setLabels(Map<String, String> labels) {
        this.labels = labels;
    }

    public Map<String, String> getAnnotations() {
        return annotations;
    }

    public void setAnnotations(Map<String, String> annotations) {
        this.annotations = annotations;
    }

    /** Image pull policy of the node container (the Kubernetes values). */
    public enum ImagePullPolicy {
        Always,
        IfNotPresent,
        Never
    }
}
