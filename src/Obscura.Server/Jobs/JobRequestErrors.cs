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

    /// <summary>The errors as a validation problem's <c>errors</c>.</summary>
    public Dictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
}
