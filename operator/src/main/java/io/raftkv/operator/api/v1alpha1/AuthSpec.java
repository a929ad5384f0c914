package io.raftkv.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

/**
 * Client authentication and authorization on the client port (needs TLS): who may call, with
 * which role. The operator always binds its own certificate user ({@code raftkv-operator}) and
 * the user of the admin credential Secret it creates ({@code admin}) to the admin role.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AuthSpec {

    @JsonPropertyDescription("Every client call must authenticate (client certificate or bearer"
            + " token) and is authorized by role. Absent: on whenever TLS is on.")
    private Boolean enabled;

    @JsonPropertyDescription("Users and their roles, beyond admin. A certificate's user is its"
            + " subject CN; a token's user is the one named here.")
    private List<AuthUserSpec> users = new ArrayList<>();

    public Boolean getEnabled() {
        return enabled;
    }

    public void setEnabled(Boolean enabled) {
        this.enabled = enabled;
    }

    public List<AuthUserSpec> getUsers() {
        return users;
    }

    public void setUsers(List<AuthUserSpec> users) {
        this.users = users;
    }
}
