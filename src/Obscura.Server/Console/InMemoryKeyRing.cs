using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Obscura.Server.Console;

/// <summary>
/// Holds the console's Data Protection keys (they protect only antiforgery tokens) in memory. ASP.NET's default would
/// write them unencrypted to the home folder at every start; here they live and die with the process, so a restart
/// invalidates open forms, which is harmless (the sessions they belong to end with the restart too).
/// </summary>
internal sealed class InMemoryKeyRing : IXmlRepository
{
    private readonly List<XElement> _elements = [];
    private readonly Lock _lock = new();

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        lock (_lock)
        {
            return [.. _elements.Select(e => new XElement(e))];
        }
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        lock (_lock)
        {
            _elements.Add(new XElement(element));
        }
    }
}
