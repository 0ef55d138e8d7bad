extends SceneTree

# Prints, on one line after "IP_PROBE ", what Godot's IP reports on this machine, for
# spec-tests/ip/ip-godot3.test.ts to compare with ours.

func _init():
	var literals = []
	for case in [["::1", IP.TYPE_ANY], ["::1", IP.TYPE_IPV4], ["127.0.0.1", IP.TYPE_IPV6], ["fd00:0::0002", IP.TYPE_ANY], ["::ffff:127.0.0.1", IP.TYPE_ANY], ["2001:DB8::a0:1", IP.TYPE_IPV6]]:
		literals.append([case[0], case[1], IP.resolve_hostname(case[0], case[1])])
	var report = {
		"local_addresses": IP.get_local_addresses(),
		"local_interfaces": IP.get_local_interfaces(),
		"localhost_ipv4": IP.resolve_hostname("localhost", IP.TYPE_IPV4),
		"literals": literals,
	}
	print("IP_PROBE " + to_json(report))
	quit()
