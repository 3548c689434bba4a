using System.Collections.Generic;
using System.Linq;
using Downhill.Generators.Ir;
using Downhill.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Downhill.Generators;

/// <summary>
/// The names the generator adds to a loss's type, and the clashes with the user's own names that no escaping
/// can resolve (DH0015). Every other name (keywords, names of generated members used as arguments) is
/// escaped or kept apart by the emitters.
/// </summary>
internal static class GeneratedNames
{
    /// <summary>The suffixes of the members written for a loss: four derivative methods, two full ones and the descriptor type.</summary>
    public static readonly string[] Suffixes = ["Gradient", "Tangent", "HessianVector", "GradientFull", "HessianVectorFull", "Loss"];

    /// <summary>Members of every descriptor type whose names end in "Loss", so a loss named like their stem names its descriptor like them.</summary>
    private static readonly string[] DescriptorMembersEndingInLoss = ["SumLoss"];

    /// <summary>Every clash of the generated names of <paramref name="loss"/> with the user's names.</summary>
    public static List<DiagnosticInfo> Clashes(IMethodSymbol loss, MethodDeclarationSyntax syntax)
    {
        var found = new List<DiagnosticInfo>();
        var type = loss.ContainingType;
        var at = DiagnosticInfo.LocOf(syntax.Identifier);
        foreach (string suffix in Suffixes)
        {
            string generated = loss.Name + suffix;
            string what = suffix == "Loss" ? "the descriptor type" : "a derivative method";
            if (type.Name == generated)
            {
                found.Add(Clash(at, loss.Name, $"the type '{type.Name}' has the name of {what} generated for the loss, and C# does not allow a member named like its type; rename the type or the loss"));
            }
            else if (type.GetMembers(generated).Any(m => !m.IsImplicitlyDeclared))
            {
                found.Add(Clash(at, loss.Name, $"'{type.Name}' already declares '{generated}', the name of {what} generated for the loss; rename that member or the loss"));
            }
        }

        string descriptor = loss.Name + "Loss";
        if (DescriptorMembersEndingInLoss.Contains(descriptor))
        {
            found.Add(Clash(at, loss.Name, $"the descriptor type generated for the loss is '{descriptor}', and it implements the runtime's member '{descriptor}' (ILossModel<T>.{descriptor}), which C# does not allow in a type of that name; rename the loss (for instance '{loss.Name}Of')"));
        }

        for (int k = 0; k < loss.Parameters.Length; k++)
        {
            var p = loss.Parameters[k];
            var kind = DeclarationRules.KindOf(p);
            string? nested = (kind, p.Name) switch
            {
                (ArgKind.Param, "Params") => "Params",
                (ArgKind.Hyper, "Hypers") => "Hypers",
                _ => null,
            };
            if (nested is not null)
            {
                found.Add(Clash(
                    DiagnosticInfo.LocOf(syntax.ParameterList.Parameters[k].Identifier),
                    loss.Name,
                    $"the argument '{p.Name}' becomes a field of the generated class '{loss.Name}Loss.{nested}', and C# does not allow a member named like its class; rename the argument"));
            }
        }

        return found;
    }

    private static DiagnosticInfo Clash(SourceLoc at, string loss, string problem) =>
        new(DiagnosticDescriptors.NameClash.Id, at, new EquatableArray<string>([loss, problem]));
}
