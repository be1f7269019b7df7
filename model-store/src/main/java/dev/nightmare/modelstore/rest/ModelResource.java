package dev.nightmare.modelstore.rest;

import dev.nightmare.contracts.ErrorBody;
import dev.nightmare.contracts.FieldProblem;
import dev.nightmare.contracts.ModelNames;
import dev.nightmare.modelstore.InvalidModelException;
import dev.nightmare.modelstore.ModelEntry;
import dev.nightmare.modelstore.ModelVersion;
import dev.nightmare.modelstore.service.ModelCatalog;
import dev.nightmare.modelstore.service.ModelService;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.multipart.FileUpload;

/** The model-store API, version 1: thin mapping onto {@link ModelCatalog} and {@link ModelService}. */
@Path("/v1/models")
@Tag(name = "models", description = "darknet models: metadata, cfg and weights by immutable version")
@SecurityScheme(securitySchemeName = "bearer", type = SecuritySchemeType.HTTP, scheme = "bearer")
@SecurityRequirement(name = "bearer")
public class ModelResource {
    private static final Logger LOG = Logger.getLogger(ModelResource.class);
    private static final String SHA256 = "[0-9a-f]{64}";
    private static final String CFG_TYPE = "text/plain; charset=utf-8";
    private static final String WEIGHTS_TYPE = MediaType.APPLICATION_OCTET_STREAM;

    @Inject
    ModelCatalog catalog;

    @Inject
    ModelService service;

    @Inject
    MeterRegistry registry;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Every model, ready or broken (with the reason)")
    public List<ModelSummary> list() {
        requireScanned();
        return catalog.list().stream().map(ModelSummary::of).toList();
    }

    @GET
    @Path("{name}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "A model's current version with its layer table (output shapes for a 256×256 input)")
    @APIResponse(responseCode = "404", description = "no such model")
    public ModelDetails get(@PathParam("name") String name) {
        ModelEntry entry = entry(checked(name));
        return ModelDetails.of(entry, catalog.versionsOf(name));
    }

    @GET
    @Path("{name}/versions/{sha256}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "One kept version of a model with its layer table")
    @APIResponse(responseCode = "404", description = "no such model version")
    public ModelDetails version(@PathParam("name") String name, @PathParam("sha256") String sha256) {
        ModelVersion version = keptVersion(checked(name), sha256);
        boolean current = catalog.get(name)
                .filter(ModelEntry::isReady)
                .map(e -> e.current().sha256().equals(sha256))
                .orElse(false);
        return ModelDetails.of(version, current ? "ready" : "superseded", catalog.versionsOf(name));
    }

    @GET
    @Path("{name}/cfg")
    @Produces(CFG_TYPE)
    @Operation(summary = "The current version's cfg (ETag = its SHA-256; Range and If-None-Match supported)")
    @APIResponse(responseCode = "409", description = "the model is broken")
    public Response cfg(@PathParam("name") String name, @Context HttpHeaders headers) {
        return cfgOf(current(checked(name)), headers);
    }

    @GET
    @Path("{name}/weights")
    @Produces(WEIGHTS_TYPE)
    @Operation(summary = "The current version's weights, streamed (ETag = its SHA-256; Range and If-None-Match)")
    @APIResponse(responseCode = "409", description = "the model is broken")
    public Response weights(@PathParam("name") String name, @Context HttpHeaders headers) {
        return weightsOf(current(checked(name)), headers);
    }

    @GET
    @Path("{name}/versions/{sha256}/cfg")
    @Produces(CFG_TYPE)
    @Operation(summary = "A kept version's cfg")
    public Response versionCfg(
            @PathParam("name") String name, @PathParam("sha256") String sha256, @Context HttpHeaders headers) {
        return cfgOf(keptVersion(checked(name), sha256), headers);
    }

    @GET
    @Path("{name}/versions/{sha256}/weights")
    @Produces(WEIGHTS_TYPE)
    @Operation(summary = "A kept version's weights")
    public Response versionWeights(
            @PathParam("name") String name, @PathParam("sha256") String sha256, @Context HttpHeaders headers) {
        return weightsOf(keptVersion(checked(name), sha256), headers);
    }

    @PUT
    @Path("{name}")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(
            summary = "Upload a model (admin): multipart cfg + weights (+ metadata JSON); validated before it is"
                    + " visible; becomes the current version, earlier versions stay downloadable by hash")
    @APIResponse(responseCode = "201", description = "a new version, now current")
    @APIResponse(responseCode = "200", description = "this exact version existed already; now current")
    @APIResponse(responseCode = "422", description = "invalid model; nothing changed")
    public Response upload(
            @PathParam("name") String name,
            @Parameter(description = "darknet cfg") @RestForm("cfg") FileUpload cfg,
            @Parameter(description = "darknet weights") @RestForm("weights") FileUpload weights,
            @Parameter(description = "{displayName, description, suggestedLayers}") @RestForm("metadata")
                    FileUpload metadata) {
        checked(name);
        requireScanned();
        if (cfg == null || weights == null) {
            throw error(422, "the upload needs the multipart parts 'cfg' and 'weights'");
        }
        try {
            ModelService.Upload upload = service.upload(
                    name,
                    cfg.uploadedFile(),
                    weights.uploadedFile(),
                    metadata == null ? null : metadata.uploadedFile());
            registry.counter("nightmare.model-store.uploads", "outcome", "accepted")
                    .increment();
            ModelVersion v = upload.version();
            return Response.status(upload.created() ? 201 : 200)
                    .location(URI.create("/v1/models/" + name + "/versions/" + v.sha256()))
                    .entity(ModelDetails.of(v, "ready", catalog.versionsOf(name)))
                    .build();
        } catch (InvalidModelException e) {
            registry.counter("nightmare.model-store.uploads", "outcome", "invalid")
                    .increment();
            throw error(422, e.getMessage());
        } catch (IOException e) {
            LOG.warnf("model %s not stored: %s", name, e.toString());
            throw error(503, "the model could not be stored (storage unavailable); retry later");
        }
    }

    private Response cfgOf(ModelVersion v, HttpHeaders headers) {
        long length = v.cfgFile().toFile().length();
        count("cfg", length);
        return FileResponses.serve(v.cfgFile(), length, v.cfgSha256(), v.sha256(), CFG_TYPE, headers);
    }

    private Response weightsOf(ModelVersion v, HttpHeaders headers) {
        count("weights", v.weightsBytes());
        return FileResponses.serve(
                v.weightsFile(), v.weightsBytes(), v.weightsSha256(), v.sha256(), WEIGHTS_TYPE, headers);
    }

    private void count(String file, long bytes) {
        registry.summary("nightmare.model-store.download.bytes", "file", file).record(bytes);
    }

    private ModelEntry entry(String name) {
        requireScanned();
        return catalog.get(name)
                .orElseThrow(() -> error(404, "no model named '" + name + "'; GET /v1/models lists them"));
    }

    private ModelVersion current(String name) {
        ModelEntry entry = entry(name);
        if (!entry.isReady()) {
            throw error(409, "model '" + name + "' is broken and not served: " + entry.reason());
        }
        return entry.current();
    }

    private ModelVersion keptVersion(String name, String sha256) {
        requireScanned();
        if (!sha256.matches(SHA256)) {
            throw error(404, "'" + sha256 + "' is not a version id (64 lower-case hex digits)");
        }
        return catalog.version(name, sha256)
                .orElseThrow(() -> error(404, "model '" + name + "' has no version " + sha256));
    }

    private void requireScanned() {
        if (!catalog.scanned()) {
            throw new WebApplicationException(Response.status(503)
                    .header(HttpHeaders.RETRY_AFTER, "2")
                    .type(MediaType.APPLICATION_JSON)
                    .entity(new ErrorBody(503, "the models are still being scanned; retry in a few seconds", List.of()))
                    .build());
        }
    }

    /** A path's model name, checked before it is used for anything (it becomes file names and S3 keys). */
    private static String checked(String name) {
        ModelNames.problem(name).ifPresent(problem -> {
            throw new WebApplicationException(Response.status(400)
                    .type(MediaType.APPLICATION_JSON)
                    .entity(new ErrorBody(400, problem, List.of(new FieldProblem("name", problem))))
                    .build());
        });
        return name;
    }

    private static WebApplicationException error(int status, String message) {
        return new WebApplicationException(Response.status(status)
                .type(MediaType.APPLICATION_JSON)
                .entity(new ErrorBody(status, message, List.of()))
                .build());
    }
}
