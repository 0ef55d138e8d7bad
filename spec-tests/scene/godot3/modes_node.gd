# The /root/Modes node of modes.gd: one method and one property per Godot 3 RPC mode.
extends Node

var main

remote var v_remote = "" setget set_v_remote
master var v_master = "" setget set_v_master
puppet var v_puppet = "" setget set_v_puppet
remotesync var v_remotesync = "" setget set_v_remotesync
mastersync var v_mastersync = "" setget set_v_mastersync
puppetsync var v_puppetsync = "" setget set_v_puppetsync

func _set(name, v):
	main.ran("set " + name, v)

func set_v_remote(v):
	v_remote = v
	_set("v_remote", v)
func set_v_master(v):
	v_master = v
	_set("v_master", v)
func set_v_puppet(v):
	v_puppet = v
	_set("v_puppet", v)
func set_v_remotesync(v):
	v_remotesync = v
	_set("v_remotesync", v)
func set_v_mastersync(v):
	v_mastersync = v
	_set("v_mastersync", v)
func set_v_puppetsync(v):
	v_puppetsync = v
	_set("v_puppetsync", v)

remote func m_remote(v):
	main.ran("call m_remote", v)
master func m_master(v):
	main.ran("call m_master", v)
puppet func m_puppet(v):
	main.ran("call m_puppet", v)
remotesync func m_remotesync(v):
	main.ran("call m_remotesync", v)
mastersync func m_mastersync(v):
	main.ran("call m_mastersync", v)
puppetsync func m_puppetsync(v):
	main.ran("call m_puppetsync", v)

# The other side's last call: everything it sent before has arrived (one reliable channel, in order).
remote func fin():
	main.fin_seen = true
