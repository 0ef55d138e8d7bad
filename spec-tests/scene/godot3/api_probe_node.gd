# The /root/Probe node of api_probe.gd.
extends Node

var main

remote func pong():
	main.pong()

remote func hello():
	pass
