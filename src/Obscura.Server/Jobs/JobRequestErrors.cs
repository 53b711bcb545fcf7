namespace Obscura.Server.Jobs;

/// <summary>The validation errors of a job request, by JSON field, as a validation problem lists them.</summary>
internal sealed class JobRequestErrors
{
    private readonly Dictionary<string, List<string>> _errors = [];

    /// <summary>Whether no error was added.</summary>
    public bool IsEmpty => _errors.Count == 0;

    /// <summary>The JSON naming of an option's kebab-case name: <c>non-private</c> → <c>nonPrivate</c>.</summary>
    public static string Json(string option)
    {
        var parts = option.Split('-');
        return parts[0] + string.Concat(parts.Skip(1).Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
    }

    /// <summary>Adds <paramref name="message"/> under <paramref name="field"/> when it is not null.</summary>
    public void Add(string field, string? message)
    {
        if (message is null)
        {
            return;
        }

        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }

        list.Add(message);
    }

    /// <summary>
    /// Reads the request's data as the job will (so unreadable or invalid data is refused before a job is created),
    /// returning null with an error under <paramref name="field"/> when it fails; the error names no server path.
    /// </summary>
    public T? Reading<T>(string field, Func<T> read)
        where T : class
    {
        try
        {
            return read();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Add(field, "The data cannot be read.");
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException or ArgumentException)
        {
            Add(field, ex.Message);
        }

        return null;
    }

    /// <summary>The errors as a validation problem's <c>errors</c>.</summary>
    public Dictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
}
