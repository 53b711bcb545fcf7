using Npgsql;

namespace Obscura.Storage.Postgres;

/// <summary>
/// Reads a libpq-style connection URI, <c>postgres://user:password@host:port/database?param=value</c> (or
/// <c>postgresql://</c>), into Npgsql's settings. A Unix-socket folder is given as <c>?host=/path</c> or as a
/// percent-encoded host (<c>postgres://%2Ftmp%2Fpg/obscura</c>). Recognised parameters: <c>host</c>, <c>port</c>,
/// <c>user</c>, <c>password</c>, <c>dbname</c>, <c>sslmode</c>, <c>application_name</c>, <c>connect_timeout</c>.
/// </summary>
public static class PostgresUri
{
    /// <summary>libpq's connection parameters: the names an unsupported-parameter message may repeat.</summary>
    private static readonly HashSet<string> LibpqParameters = new(StringComparer.Ordinal)
    {
        "hostaddr", "passfile", "channel_binding", "client_encoding", "options", "fallback_application_name", "keepalives",
        "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout", "replication", "gssencmode",
        "requiressl", "sslcompression", "sslcert", "sslkey", "sslpassword", "sslrootcert", "sslcrl", "sslcrldir", "sslsni",
        "requirepeer", "ssl_min_protocol_version", "ssl_max_protocol_version", "krbsrvname", "gsslib", "service",
        "target_session_attrs", "load_balance_hosts",
    };

    /// <summary>Whether <paramref name="value"/> is a PostgreSQL URI (by its scheme).</summary>
    public static bool IsPostgres(string? value) =>
        value is not null && (value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase));

    /// <summary>The Npgsql settings <paramref name="uri"/> names.</summary>
    /// <exception cref="ArgumentException">Not a postgres:// URI, or a part of it is malformed or unknown (the message never repeats the password).</exception>
    public static NpgsqlConnectionStringBuilder Parse(string uri)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(uri);
        if (!IsPostgres(uri))
        {
            throw new ArgumentException("A PostgreSQL database is named by a postgres:// or postgresql:// URI.", nameof(uri));
        }

        var rest = uri[(uri.IndexOf("://", StringComparison.Ordinal) + 3)..];
        var query = string.Empty;
        if (rest.IndexOf('?', StringComparison.Ordinal) is var q and >= 0)
        {
            query = rest[(q + 1)..];
            rest = rest[..q];
        }

        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var authority = slash >= 0 ? rest[..slash] : rest;
        var database = slash >= 0 ? Decode(rest[(slash + 1)..]) : string.Empty;
        var builder = new NpgsqlConnectionStringBuilder { Pooling = true };

        if (authority.LastIndexOf('@') is var at and >= 0)
        {
            var user = authority[..at];
            authority = authority[(at + 1)..];
            if (user.IndexOf(':', StringComparison.Ordinal) is var colon and >= 0)
            {
                builder.Password = Decode(user[(colon + 1)..]);
                user = user[..colon];
            }

            builder.Username = Decode(user);
        }

        if (authority.Length > 0)
        {
            var port = authority.LastIndexOf(':');
            if (port > 0 && !authority.EndsWith(']'))
            {
                builder.Port = ParsePort(authority[(port + 1)..]);
                authority = authority[..port];
            }

            builder.Host = Decode(authority.Trim('[', ']'));
        }

        if (database.Length > 0)
        {
            builder.Database = database;
        }

        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Decode(eq >= 0 ? pair[..eq] : pair);
            var value = eq >= 0 ? Decode(pair[(eq + 1)..]) : string.Empty;
            switch (name)
            {
                case "host": builder.Host = value; break;
                case "port": builder.Port = ParsePort(value); break;
                case "user": builder.Username = value; break;
                case "password": builder.Password = value; break;
                case "dbname": builder.Database = value; break;
                case "application_name": builder.ApplicationName = value; break;
                case "connect_timeout": builder.Timeout = int.TryParse(value, out var t) && t > 0 ? t : throw new ArgumentException("connect_timeout must be a positive number of seconds.", nameof(uri)); break;
                case "sslmode":
                    builder.SslMode = value switch
                    {
                        "disable" => SslMode.Disable,
                        "allow" => SslMode.Allow,
                        "prefer" => SslMode.Prefer,
                        "require" => SslMode.Require,
                        "verify-ca" => SslMode.VerifyCA,
                        "verify-full" => SslMode.VerifyFull,
                        _ => throw new ArgumentException($"sslmode '{value}' is not one of disable, allow, prefer, require, verify-ca, verify-full.", nameof(uri)),
                    };
                    break;
                default:
                    // Named only if it is one of libpq's: anything else may be the tail of a password cut at an unencoded '&'.
                    throw new ArgumentException($"The PostgreSQL URI parameter {(LibpqParameters.Contains(name) ? $"'{name}'" : "given")} is not supported (host, port, user, password, dbname, sslmode, application_name, connect_timeout).", nameof(uri));
            }
        }

        if (string.IsNullOrEmpty(builder.Host))
        {
            throw new ArgumentException("The PostgreSQL URI names no host: give host[:port] or ?host=/socket/folder.", nameof(uri));
        }

        return builder;
    }

    /// <summary>The database <paramref name="builder"/> names, for people and logs: never the password.</summary>
    public static string Describe(NpgsqlConnectionStringBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var user = string.IsNullOrEmpty(builder.Username) ? string.Empty : Uri.EscapeDataString(builder.Username) + "@";
        var host = builder.Host ?? string.Empty;
        return host.StartsWith('/')
            ? $"postgres://{user}/{Uri.EscapeDataString(builder.Database ?? string.Empty)}?host={Uri.EscapeDataString(host)}&port={builder.Port}"
            : $"postgres://{user}{host}:{builder.Port}/{Uri.EscapeDataString(builder.Database ?? string.Empty)}";
    }

    private static int ParsePort(string value) =>
        int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
            ? port
            : throw new ArgumentException("The PostgreSQL port must be a number from 1 to 65535.", nameof(value));

    private static string Decode(string value) => Uri.UnescapeDataString(value);
}
