package dev.nightmare.gateway.rest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nightmare.gateway.service.ApiException;
import dev.nightmare.gateway.service.ModelCatalog;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
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

    /** One model: name, version, highest targetable layer, and the model-store's layer list. */
    public record ModelView(String name, String sha256, int lastTargetableLayer, JsonNode layers) {}

    @GET
    @Operation(summary = "The models, with their layers")
    public List<ModelView> list() {
        return models.list().stream().map(ModelResource::view).toList();
    }

    @GET
    @Path("{name}")
    @Operation(summary = "One model")
    public ModelView get(@PathParam("name") String name) {
        return models.find(name).map(ModelResource::view).orElseThrow(() -> ApiException.of(404, "no model " + name));
    }

    private static ModelView view(ModelCatalog.ModelInfo m) {
        return new ModelView(
                m.name(), m.sha256(), m.lastTargetableLayer(), m.metadata().get("layers"));
    }
}
