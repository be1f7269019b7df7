package dev.nightmare.gateway.rest;

import dev.nightmare.gateway.service.ApiException;
import dev.nightmare.gateway.service.ModelCatalog;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The models jobs may use, as the model-store lists them (layers included, for pickers). */
@Path("/v1/models")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "models")
@SecurityRequirement(name = "apiKey")
public class ModelResource {
    private final ModelCatalog models;

    public ModelResource(ModelCatalog models) {
        this.models = models;
    }

    @GET
    @Operation(summary = "The models, with their layers")
    public List<ModelView> listModels() {
        return models.list().stream().map(ModelView::of).toList();
    }

    @GET
    @Path("{name}")
    @Operation(summary = "One model")
    @APIResponse(responseCode = "200", description = "the model")
    @APIResponse(responseCode = "404", description = "no such model")
    public ModelView getModel(@PathParam("name") String name) {
        return models.find(name)
                .map(ModelView::of)
                .orElseThrow(() -> ApiException.of(
                        404, "no model '" + name + "'; GET /v1/models lists the models this gateway offers"));
    }
}
