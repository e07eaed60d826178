namespace PolyakDashboard.Cli;

public static class CommandLine
{
    public static bool IsCliInvocation(string[] args) => args.Length > 0 && args[0] is "run" or "experiment" or "--help" or "-h";
    public static Task<int> RunAsync(string[] args) => Task.FromResult(0);
}
