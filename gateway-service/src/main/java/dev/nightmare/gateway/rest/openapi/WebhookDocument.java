package dev.nightmare.gateway.rest.openapi;

import dev.nightmare.gateway.service.WebhookPolicy;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.parameters.Parameter;

/**
 * The webhook a job's {@code callbackUrl} receives, as OpenAPI 3.1 {@code webhooks}: a POST of the
 * event (the SSE event's JSON, {@code EventView}) with both signatures' headers, so a receiver can
 * be generated or checked from the document like a client.
 */
final class WebhookDocument {
    static final String NAME = "jobEvent";

    private WebhookDocument() {}

    static void describe(OpenAPI api) {
        var post = OASFactory.createOperation()
                .operationId("receiveJobEvent")
                .summary("An event of a job, POSTed to its callbackUrl")
                .description("Sent for the events the job's webhookEvents asks for (start, round, completed; default"
                        + " all). The same webhook-id on every retry: deduplicate on it. Retried on a network error,"
                        + " a timeout, 408, 429 and 5xx with backoff from a durable outbox; any other status refuses"
                        + " it. Verify webhook-signature as Standard Webhooks describes, or Nightmare-Signature.")
                .addParameter(header(
                        WebhookPolicy.STANDARD_ID_HEADER,
                        "the event's id: {jobId}-start, {jobId}-round-{n}" + " or {jobId}-completed"))
                .addParameter(header(WebhookPolicy.STANDARD_TIMESTAMP_HEADER, "unix seconds of this attempt"))
                .addParameter(header(
                        WebhookPolicy.STANDARD_SIGNATURE_HEADER,
                        "v1, + base64 HMAC-SHA256 of {webhook-id}.{webhook-timestamp}.{body}"))
                .addParameter(header(
                        WebhookPolicy.SIGNATURE_HEADER,
                        "t={unix seconds},v1={hex HMAC-SHA256 of t + \".\" + body}, keyed with the secret's bytes"))
                .requestBody(OASFactory.createRequestBody()
                        .required(true)
                        .content(OASFactory.createContent()
                                .addMediaType(
                                        "application/json",
                                        OASFactory.createMediaType()
                                                .schema(OASFactory.createSchema()
                                                        .ref("#/components/schemas/EventView")))))
                .responses(OASFactory.createAPIResponses()
                        .addAPIResponse(
                                "200", OASFactory.createAPIResponse().description("any 2xx takes the delivery")));
        PathItem item = OASFactory.createPathItem().POST(post);
        api.addWebhook(NAME, item);
    }

    private static Parameter header(String name, String description) {
        return OASFactory.createParameter()
                .name(name)
                .in(Parameter.In.HEADER)
                .required(true)
                .description(description)
                .schema(OASFactory.createSchema().addType(Schema.SchemaType.STRING));
    }
}
