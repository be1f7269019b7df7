package dev.nightmare.gateway.rest.openapi;

import java.math.BigDecimal;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.models.media.Schema;

/** The schema of {@code dev.nightmare.contracts.ErrorBody}, the one error format of every service. */
final class ErrorSchema {
    static final String FIELD_PROBLEM = "FieldProblem";

    private ErrorSchema() {}

    static Schema errorBody() {
        return OASFactory.createSchema()
                .addType(Schema.SchemaType.OBJECT)
                .description("Every error answer: what was wrong and what would be right; never a stack trace")
                .addProperty(
                        "status",
                        OASFactory.createSchema()
                                .addType(Schema.SchemaType.INTEGER)
                                .minimum(BigDecimal.valueOf(400))
                                .maximum(BigDecimal.valueOf(599))
                                .description("the HTTP status, repeated"))
                .addProperty(
                        "title",
                        OASFactory.createSchema()
                                .addType(Schema.SchemaType.STRING)
                                .description("one line: what was wrong and what would be right"))
                .addProperty(
                        "errors",
                        OASFactory.createSchema()
                                .addType(Schema.SchemaType.ARRAY)
                                .items(OASFactory.createSchema().ref("#/components/schemas/" + FIELD_PROBLEM))
                                .description("one entry per field at fault; empty when no single field is"))
                .addRequired("status")
                .addRequired("title")
                .addRequired("errors");
    }

    static Schema fieldProblem() {
        return OASFactory.createSchema()
                .addType(Schema.SchemaType.OBJECT)
                .addProperty(
                        "field",
                        OASFactory.createSchema()
                                .addType(Schema.SchemaType.STRING)
                                .description("the option or form part, e.g. layer or image"))
                .addProperty(
                        "message",
                        OASFactory.createSchema()
                                .addType(Schema.SchemaType.STRING)
                                .description("what is wrong with it and what would be right"))
                .addRequired("field")
                .addRequired("message");
    }
}
