using System.CommandLine;
using Obscura.Governance.Access;
using Obscura.Governance.Purposes;
using Obscura.Governance.Subjects;

namespace Obscura.Cli;

/// <summary>Options shared by commands, with parsing that rejects invalid ids before anything runs.</summary>
internal static class CliOptions
{
    public static readonly Option<string> Data = new("--data")
    {
        Description = "Data folder (database and ledger key); created on first use. Default: ./data",
        DefaultValueFactory = _ => "data",
        Recursive = true,
    };

    public static readonly Option<string?> Database = new("--database")
    {
        Description = "The governance database: a postgres://user:password@host:port/database URI (default: the Obscura__Database environment variable, else the data folder's SQLite file). The signing key stays in --data.",
        Recursive = true,
        Validators =
        {
            result =>
            {
                var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : null;
                if (!string.IsNullOrWhiteSpace(text) && !Obscura.Storage.Postgres.PostgresUri.IsPostgres(text))
                {
                    result.AddError("--database must be a postgres:// or postgresql:// URI.");
                }
            },
        },
    };

    public static readonly Option<Uri?> Server = new("--server")
    {
        Description = "Run against a running Obscura server at this URL instead of a data folder.",
        Recursive = true,
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : null;
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
            {
                return uri;
            }

            result.AddError($"'{text}' is not an http(s) URL for --server.");
            return null;
        },
    };

    public static readonly Option<double?> VerificationThreshold = new("--verification-threshold")
    {
        Description = "Cosine threshold of local face verification (default: the Obscura__VerificationThreshold environment variable, else 0.5, the server's default). Use the embedding model's calibrated threshold: 'obscura models list'.",
        Recursive = true,
    };

    public static readonly Option<string?> ApiKey = new("--api-key")
    {
        Description = "API key for --server (default: the OBSCURA_API_KEY environment variable).",
        Recursive = true,
    };

    public static Option<SubjectId> Subject(bool required = true) => Token<SubjectId>("--subject", "Pseudonymous subject id.", SubjectId.TryParse, required);

    public static Option<PurposeId> Purpose(string name = "--purpose", string description = "Purpose id, for example identity-verification.", bool required = true) =>
        Token<PurposeId>(name, description, PurposeId.TryParse, required);

    public static Option<Role> Role() => new("--role") { Description = "Controller, Processor, Auditor, Subject, ObjectionIntake (a store's objection kiosk) or Edge (a store's edge device: posts its batches only).", Required = true };

    public static Option<FileInfo> File(string description) => new("--file") { Description = description + " ('-' reads standard input).", Required = true };

    public static Option<T> Token<T>(string name, string description, TryParse<T> parse, bool required)
        where T : struct
    {
        return new Option<T>(name)
        {
            Description = description,
            Required = required,
            CustomParser = result =>
            {
                var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : null;
                if (parse(text, out var value))
                {
                    return value;
                }

                result.AddError($"'{text}' is not a valid value for {name}.");
                return default;
            },
        };
    }

    internal delegate bool TryParse<T>(string? text, out T value);

    public static T? Optional<T>(ParseResult result, Option<T> option)
        where T : struct => result.GetResult(option) is null ? null : result.GetValue(option);
}
