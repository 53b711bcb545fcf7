using System.Globalization;

namespace Obscura.Governance.Purposes;

/// <summary>Checks a <see cref="PurposeDefinition"/> for completeness and internal consistency.</summary>
internal static class PurposeValidation
{
    public static GovernanceError? Validate(PurposeDefinition d)
    {
        if (d.Id.Value is null)
        {
            return GovernanceError.Invalid("id", "A purpose id is required.");
        }

        if (string.IsNullOrWhiteSpace(d.Name) || d.Name.Length > 200)
        {
            return GovernanceError.Invalid("name", "A purpose name is 1-200 characters.");
        }

        if (d.Description is null || d.Description.Length > 4000)
        {
            return GovernanceError.Invalid("description", "A purpose description is at most 4000 characters.");
        }

        if (!Enum.IsDefined(d.LawfulBasis))
        {
            return GovernanceError.Invalid("lawfulBasis", "Unknown lawful basis.");
        }

        if (!Enum.IsDefined(d.SpecialCategoryCondition))
        {
            return GovernanceError.Invalid("specialCategoryCondition", "Unknown Art. 9(2) condition.");
        }

        if (d.SubjectCategories is null || d.SubjectCategories.Count == 0 || d.SubjectCategories.Any(c => !Internal.Token.IsSlug(c, 2, 64)))
        {
            return GovernanceError.Invalid("subjectCategories", "List at least one category of data subjects as a lower-case slug, for example 'customers'.");
        }

        if (d.DataCategories is null || d.DataCategories.Count == 0 || d.DataCategories.Any(c => c.Value is null))
        {
            return GovernanceError.Invalid("dataCategories", "List at least one data category.");
        }

        if (d.DataCategories.Distinct().Count() != d.DataCategories.Count)
        {
            return GovernanceError.Invalid("dataCategories", "Data categories must not repeat.");
        }

        var special = d.DataCategories.Any(c => c.IsSpecialCategory);
        if (special && d.SpecialCategoryCondition == SpecialCategoryCondition.None)
        {
            return GovernanceError.Invalid("specialCategoryCondition", "Special-category data (Art. 9) needs an Art. 9(2) condition, such as ExplicitConsent.");
        }

        if (!special && d.SpecialCategoryCondition != SpecialCategoryCondition.None)
        {
            return GovernanceError.Invalid("specialCategoryCondition", "An Art. 9(2) condition is only meaningful when a special data category is processed.");
        }

        if (d.Practices is null || d.Practices.Count == 0 || d.Practices.Any(p => !Enum.IsDefined(p)))
        {
            return GovernanceError.Invalid("practices", "List at least one known processing practice.");
        }

        if (OrganisationError(d.Controller, "controller") is { } controllerError)
        {
            return controllerError;
        }

        if (d.Processors is null)
        {
            return GovernanceError.Invalid("processors", "Processors must be a list (it may be empty).");
        }

        for (var i = 0; i < d.Processors.Count; i++)
        {
            if (OrganisationError(d.Processors[i], string.Create(CultureInfo.InvariantCulture, $"processors[{i}]")) is { } e)
            {
                return e;
            }
        }

        if (d.Retention.Days == 0)
        {
            return GovernanceError.Invalid("retention", "A retention period is required.");
        }

        if (d.ReusesDataFrom is null || d.ReusesDataFrom.Any(p => p.Value is null))
        {
            return GovernanceError.Invalid("reusesDataFrom", "ReusesDataFrom must be a list of purpose ids (it may be empty).");
        }

        if (d.ReusesDataFrom.Contains(d.Id))
        {
            return GovernanceError.Invalid("reusesDataFrom", "A purpose does not reuse its own data.");
        }

        return null;
    }

    private static GovernanceError? OrganisationError(Organisation? o, string field)
    {
        if (o is null)
        {
            return GovernanceError.Invalid(field, "The organisation is required.");
        }

        if (string.IsNullOrWhiteSpace(o.Name) || o.Name.Length > 200)
        {
            return GovernanceError.Invalid(field + ".name", "An organisation name is 1-200 characters.");
        }

        if (string.IsNullOrWhiteSpace(o.Contact) || o.Contact.Length > 200)
        {
            return GovernanceError.Invalid(field + ".contact", "An organisation contact is 1-200 characters.");
        }

        if (o.Country is not { Length: 2 } || !o.Country.All(char.IsAsciiLetterUpper))
        {
            return GovernanceError.Invalid(field + ".country", "A country is an ISO 3166-1 alpha-2 code such as 'NO' or 'SE'.");
        }

        return null;
    }
}
