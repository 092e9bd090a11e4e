//! Schemas for the case types whose serde form the `ToSchema` derive cannot
//! describe (enum variants holding a date or a non-zero number), for the
//! OpenAPI document accord-web serves (feature `openapi`).

use std::borrow::Cow;

use utoipa::{
    PartialSchema, ToSchema,
    openapi::{
        KnownFormat, ObjectBuilder, OneOfBuilder, Ref, RefOr, SchemaFormat, Type,
        schema::{AdditionalProperties, ArrayBuilder, Schema},
    },
};

use crate::{Extension, FieldValue, FormValues};

/// An object with exactly one property, `name`, holding `value`: how serde
/// writes an externally tagged enum variant.
fn one_property(name: &str, description: &str, value: impl Into<RefOr<Schema>>) -> ObjectBuilder {
    ObjectBuilder::new()
        .description(Some(description))
        .property(name, value)
        .required(name)
        .additional_properties(Some(AdditionalProperties::FreeForm(false)))
}

fn positive(description: &str, maximum: u32) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(1))
        .maximum(Some(maximum))
        .description(Some(description))
}

impl PartialSchema for FieldValue {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .description(Some(
                "One answer on a form: text (of any text-like field, or the chosen option), a \
                 date, yes or no, or the rows of a table.",
            ))
            .item(one_property(
                "text",
                "Text, or the chosen option of a choice.",
                ObjectBuilder::new().schema_type(Type::String),
            ))
            .item(one_property(
                "date",
                "A date.",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date))),
            ))
            .item(one_property(
                "yes_no",
                "Yes (true) or no.",
                ObjectBuilder::new().schema_type(Type::Boolean),
            ))
            .item(one_property(
                "rows",
                "The rows of a table, each answering its columns.",
                ArrayBuilder::new().items(Ref::from_schema_name(FormValues::name())),
            ))
            .into()
    }
}

impl ToSchema for FieldValue {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("FieldValue")
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((FormValues::name().into(), FormValues::schema()));
    }
}

impl PartialSchema for Extension {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .description(Some(
                "How much longer a deadline is given: working days, hours or calendar days.",
            ))
            .item(one_property(
                "working_days",
                "More working days after the current due date.",
                positive(
                    "Working days, from 1 to a year's worth.",
                    Extension::MAX_WORKING_DAYS,
                ),
            ))
            .item(one_property(
                "hours",
                "More hours after the current deadline.",
                positive("Hours, from 1 to a year's.", Extension::MAX_HOURS),
            ))
            .item(one_property(
                "calendar_days",
                "More calendar days after the current due date.",
                positive(
                    "Calendar days, from 1 to a year's.",
                    Extension::MAX_CALENDAR_DAYS,
                ),
            ))
            .into()
    }
}

impl ToSchema for Extension {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Extension")
    }
}
