package dev.nightmare.gateway.rest.openapi;

import java.util.Map;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.Components;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;
import org.eclipse.microprofile.openapi.models.security.SecurityScheme;

/**
 * What annotations cannot say once for the whole API: the bearer scheme (opaque keys, not JWTs),
 * the one error format on every 4xx and 5xx answer (plus 401 on every authenticated operation),
 * and the job options' descriptions, defaults and ranges taken from the engine itself
 * ({@link JobOptionsSchema}), so the document cannot drift from what the API does.
 */
public class ApiDocumentFilter implements OASFilter {
    static final String ERROR = "ErrorBody";
    static final String SCHEME = "apiKey";

    @Override
    public void filterOpenAPI(OpenAPI api) {
        Components components = api.getComponents();
        if (components == null) {
            components = OASFactory.createComponents();
            api.setComponents(components);
        }
        components.addSecurityScheme(
                SCHEME,
                OASFactory.createSecurityScheme()
                        .type(SecurityScheme.Type.HTTP)
                        .scheme("bearer")
                        .description("Authorization: Bearer <API key>. Keys are opaque strings issued by the"
                                + " operator, one per client; every key sees only its own jobs."));
        components.addSchema(ERROR, ErrorSchema.errorBody());
        components.addSchema(ErrorSchema.FIELD_PROBLEM, ErrorSchema.fieldProblem());
        Schema options =
                components.getSchemas() == null ? null : components.getSchemas().get("JobOptions");
        if (options != null) {
            JobOptionsSchema.describe(options);
        }
        WebhookDocument.describe(api);
        if (api.getPaths() != null) {
            for (PathItem path : api.getPaths().getPathItems().values()) {
                for (Operation operation : path.getOperations().values()) {
                    errorsOf(operation);
                }
            }
        }
    }

    private static void errorsOf(Operation operation) {
        if (operation.getResponses() == null) {
            operation.setResponses(OASFactory.createAPIResponses());
        }
        if (operation.getSecurity() != null && !operation.getSecurity().isEmpty()) {
            if (!operation.getResponses().hasAPIResponse("401")) {
                operation
                        .getResponses()
                        .addAPIResponse(
                                "401", OASFactory.createAPIResponse().description("no API key, or an unknown one"));
            }
        }
        for (Map.Entry<String, APIResponse> entry :
                operation.getResponses().getAPIResponses().entrySet()) {
            String code = entry.getKey();
            if (code.startsWith("4") || code.startsWith("5")) {
                entry.getValue()
                        .content(OASFactory.createContent()
                                .addMediaType(
                                        "application/json",
                                        OASFactory.createMediaType()
                                                .schema(OASFactory.createSchema()
                                                        .ref("#/components/schemas/" + ERROR))));
            }
        }
    }
}
