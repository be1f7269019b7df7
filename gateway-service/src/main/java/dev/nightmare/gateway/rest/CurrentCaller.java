package dev.nightmare.gateway.rest;

import dev.nightmare.gateway.service.ApiException;
import dev.nightmare.gateway.service.Caller;
import jakarta.enterprise.context.RequestScoped;

/** The authenticated caller of the current request, set by {@link ApiKeyFilter}. */
@RequestScoped
public class CurrentCaller {
    private Caller caller;

    void set(Caller caller) {
        this.caller = caller;
    }

    public Caller get() {
        if (caller == null) {
            throw ApiException.of(401, "an API key is required: Authorization: Bearer <key>");
        }
        return caller;
    }
}
