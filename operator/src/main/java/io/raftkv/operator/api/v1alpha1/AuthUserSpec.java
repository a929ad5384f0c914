package io.raftkv.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** One user of the client port: a role, an optional key prefix, an optional bearer token. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AuthUserSpec {

    @Required
    @Pattern("^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$")
    @JsonPropertyDescription(
            "User name: the CN of the user's client certificate, or the user a" + " bearer token stands for.")
    private String name;

    @Required
    @JsonPropertyDescription("read (Get, Range, Status, MemberList), write (read plus Put, Delete,"
            + " CompareAndSwap, Txn) or admin (write plus membership changes, TransferLeadership,"
            + " Snapshot).")
    private Role role;

    @Pattern("^\\S+$")
    @JsonPropertyDescription(
            "Limit the role to keys starting with this prefix (as etcd's" + " grant-permission --prefix).")
    private String prefix;

    @JsonPropertyDescription("A Secret in the cluster's namespace holding this user's bearer"
            + " token; without it the user authenticates with a client certificate only.")
    private TokenSecretRef tokenSecret;

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public Role getRole() {
        return role;
    }

    public void setRole(Role role) {
        this.role = role;
    }

    public String getPrefix() {
        return prefix;
    }

    public void setPrefix(String prefix) {
        this.prefix = prefix;
    }

    public TokenSecretRef getTokenSecret() {
        return tokenSecret;
    }

    public void setTokenSecret(TokenSecretRef tokenSecret) {
        this.tokenSecret = tokenSecret;
    }

    /** The node's roles (docs/security.md). */
    public enum Role {
        read,
        write,
        admin
    }

    /** Where a user's token is: a key of a Secret in the cluster's namespace. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class TokenSecretRef {

        @Required
        @JsonPropertyDescription("Name of the Secret.")
        private String name;

        @Default("token")
        @JsonPropertyDescription("Key of the token in the Secret.")
        private String key = "token";

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }

        public String getKey() {
            return key;
        }

        public void setKey(String key) {
            this.key = key;
        }
    }
}
