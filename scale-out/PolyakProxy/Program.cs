// One address for the room in front of several dashboard instances: YARP, with cookie session affinity so a browser's
// Blazor circuit (its negotiate, then its WebSocket, then any reconnect) stays on the instance that holds it.
//
//   dotnet run --project scale-out/PolyakProxy -c Release -- --urls http://0.0.0.0:80 \
//       --Proxy:Dashboards "http://10.0.0.11:5001 http://10.0.0.12:5001"
namespace PolyakProxy;

public static class Program
{
    public static void Main(string[] args) => ProxyApp.Build(args).Run();
}
