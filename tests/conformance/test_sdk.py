"""The official Azure SDK for Python, unmodified and with its own default api-versions, against
`slotdrill serve --tls` (issues 16, 20): no call passes `enforce_https=False`. A failing call
fails CI. See conftest.py for the clients."""

from urllib.parse import quote

import requests
from azure.mgmt.core.polling.arm_polling import ARMPolling
from azure.mgmt.logic.models import GetCallbackUrlParameters
from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.web.models import (
    CsmSlotEntity,
    SlotConfigNamesResource,
    StringDictionary,
    WorkflowArtifacts,
)

from conftest import (
    TOKEN,
    APP,
    RESOURCE_GROUP,
    SLOT,
    STANDARD_SITE,
    STANDARD_SLOT,
    STANDARD_WORKFLOW,
    WORKFLOW,
)

RG = RESOURCE_GROUP


class VirtualTimePolling(ARMPolling):
    """The SDK's own ARM long-running-operation protocol, without the real sleep: the emulator's
    clock is virtual and each poll moves it by the `Retry-After` it asked for, so waiting in real
    time would only slow CI. What the server asked for is kept, to be checked."""

    def __init__(self):
        super().__init__(0)
        self.asked = []

    def _sleep(self, delay):
        self.asked.append(delay)


def settings(web, slot=None):
    if slot is None:
        return web.web_apps.list_application_settings(RG, APP).properties
    return web.web_apps.list_application_settings_slot(RG, APP, slot).properties


def test_sites_and_slots_list_and_get(web):
    sites = list(web.web_apps.list_by_resource_group(RG, include_slots=True))
    # The function app and its slot (a Logic Apps Standard site, kind
    # `functionapp,workflowapp`, may be listed beside them).
    functions = [s for s in sites if s.kind != "functionapp,workflowapp"]
    assert sorted(s.name for s in functions) == ["orders", "orders/deploy"]
    site = web.web_apps.get(RG, APP)
    assert (site.name, site.kind, site.state) == ("orders", "functionapp", "Running")
    assert site.default_host_name == "orders.azurewebsites.net"
    slots = list(web.web_apps.list_slots(RG, APP))
    assert [s.name for s in slots] == ["orders/deploy"]
    slot = web.web_apps.get_slot(RG, APP, SLOT)
    assert slot.default_host_name == "orders-deploy.azurewebsites.net"
    assert slot.type == "Microsoft.Web/sites/slots"


def test_app_settings_list_and_update(web):
    assert settings(web)["SLOTDRILL_RELEASE"] == "v1"
    assert settings(web, SLOT)["DB_CONNECTION"] == "staging-db"
    changed = dict(settings(web, SLOT), FEATURE_FLAG="on")
    answer = web.web_apps.update_application_settings_slot(
        RG, APP, SLOT, StringDictionary(properties=changed)
    )
    assert answer.properties["FEATURE_FLAG"] == "on"
    assert settings(web, SLOT)["FEATURE_FLAG"] == "on"
    assert "FEATURE_FLAG" not in settings(web)
    production = dict(settings(web), OTHER="1")
    web.web_apps.update_application_settings(RG, APP, StringDictionary(properties=production))
    assert settings(web)["OTHER"] == "1"


def test_slot_config_names_get_and_update(web):
    names = web.web_apps.list_slot_configuration_names(RG, APP)
    assert names.app_setting_names == ["DB_CONNECTION"]
    answer = web.web_apps.update_slot_configuration_names(
        RG,
        APP,
        SlotConfigNamesResource(app_setting_names=["DB_CONNECTION", "FEATURE_FLAG"]),
    )
    assert sorted(answer.app_setting_names) == ["DB_CONNECTION", "FEATURE_FLAG"]
    again = web.web_apps.list_slot_configuration_names(RG, APP)
    assert sorted(again.app_setting_names) == ["DB_CONNECTION", "FEATURE_FLAG"]


def function_keys(web, function):
    """`listkeys` as Azure answers it: a flat object of key name to value, not the spec's
    `{"properties": …}`, so the SDK's `StringDictionary.properties` is None and the keys are the
    model's own entries (pulumi/pulumi-azure-native#2160: "Property values are null")."""
    keys = web.web_apps.list_function_keys(RG, APP, function)
    assert keys.properties is None
    return dict(keys)


def test_functions_and_their_keys(web, endpoint):
    functions = list(web.web_apps.list_functions(RG, APP))
    assert sorted(f.name for f in functions) == ["orders/ProcessOrder", "orders/SendInvoice"]
    keys = function_keys(web, "ProcessOrder")
    assert set(keys) >= {"default"}
    assert len(keys["default"]) >= 40
    secrets = web.web_apps.list_function_secrets(RG, APP, "ProcessOrder")
    assert secrets.key == keys["default"]
    # The scheme and port the client used, with the slot's host name (which routes the call).
    port = endpoint.rsplit(":", 1)[1]
    assert secrets.trigger_url.startswith(f"https://orders.azurewebsites.net:{port}/api/ProcessOrder?code=")


def test_swap_slot_with_production_polled_to_the_end(web):
    polling = VirtualTimePolling()
    poller = web.web_apps.begin_swap_slot_with_production(
        RG, APP, CsmSlotEntity(target_slot=SLOT, preserve_vnet=True), polling=polling
    )
    assert poller.result() is None
    assert poller.status() == "Succeeded"
    assert polling.asked and all(d > 0 for d in polling.asked), polling.asked
    # The release label moved; the sticky setting stayed with its slot.
    assert settings(web)["SLOTDRILL_RELEASE"] == "v2"
    assert settings(web)["DB_CONNECTION"] == "prod-db"
    assert settings(web, SLOT)["SLOTDRILL_RELEASE"] == "v1"
    slot = web.web_apps.get_slot(RG, APP, SLOT)
    assert slot.slot_swap_status is not None
    assert slot.slot_swap_status.source_slot_name == SLOT


def test_swap_slot_from_the_slot_side_polled_to_the_end(web):
    polling = VirtualTimePolling()
    poller = web.web_apps.begin_swap_slot(
        RG, APP, SLOT, CsmSlotEntity(target_slot="production", preserve_vnet=True), polling=polling
    )
    poller.result()
    assert poller.status() == "Succeeded"
    assert settings(web)["SLOTDRILL_RELEASE"] == "v2"
    assert settings(web, SLOT)["SLOTDRILL_RELEASE"] == "v1"


def test_workflow_get_create_or_update_runs_and_actions(logic):
    flow = logic.workflows.get(RG, WORKFLOW)
    assert flow.name == WORKFLOW and flow.state == "Enabled"
    assert set(flow.definition["actions"]) == {"ProcessOrder", "SendInvoice"}
    flow.definition["actions"]["SendInvoice"]["runAfter"] = {"ProcessOrder": ["Succeeded", "Failed"]}
    saved = logic.workflows.create_or_update(RG, WORKFLOW, flow)
    assert saved.version != flow.version
    assert saved.definition["actions"]["SendInvoice"]["runAfter"]["ProcessOrder"] == ["Succeeded", "Failed"]
    logic.workflow_triggers.run(RG, WORKFLOW, "manual")
    runs = list(logic.workflow_runs.list(RG, WORKFLOW))
    assert len(runs) == 1
    assert runs[0].status in ("Succeeded", "Failed")
    actions = list(logic.workflow_run_actions.list(RG, WORKFLOW, runs[0].name))
    assert sorted(a.name for a in actions) == ["ProcessOrder", "SendInvoice"]
    assert all(a.status for a in actions)


def test_data_plane_call_with_an_encoded_key(web, endpoint):
    """A plain HTTP client calls a function as Azure's trigger URL says: the key URL-encoded in
    `code=` (keys end in `==`). Azure decodes it: 200 with the right key, 401 with a wrong one."""
    key = function_keys(web, "ProcessOrder")["default"]
    host = {"Host": "orders.azurewebsites.net"}
    url = f"{endpoint}/api/ProcessOrder"
    right = requests.post(f"{url}?code={quote(key, safe='')}", headers=host, json={}, timeout=30)
    assert right.status_code == 200, right.text
    wrong = requests.post(f"{url}?code={quote('x' + key[1:], safe='')}", headers=host, json={}, timeout=30)
    assert wrong.status_code == 401


def test_restart_stop_and_start(web):
    web.web_apps.restart(RG, APP, soft_restart=False, synchronous=True)
    web.web_apps.restart_slot(RG, APP, SLOT)
    web.web_apps.stop_slot(RG, APP, SLOT)
    assert web.web_apps.get_slot(RG, APP, SLOT).state == "Stopped"
    web.web_apps.start_slot(RG, APP, SLOT)
    assert web.web_apps.get_slot(RG, APP, SLOT).state == "Running"
    web.web_apps.stop(RG, APP)
    assert web.web_apps.get(RG, APP).state == "Stopped"
    web.web_apps.start(RG, APP)
    assert web.web_apps.get(RG, APP).state == "Running"


def test_workflow_update_disable_enable_versions_and_delete(logic, endpoint):
    first = logic.workflows.get(RG, WORKFLOW)
    logic.workflows.disable(RG, WORKFLOW)
    assert logic.workflows.get(RG, WORKFLOW).state == "Disabled"
    logic.workflows.enable(RG, WORKFLOW)
    updated = logic.workflows.update(RG, WORKFLOW)
    assert updated.state == "Enabled" and updated.version == first.version

    first.definition["contentVersion"] = "2.0.0.0"
    second = logic.workflows.create_or_update(RG, WORKFLOW, first)
    versions = list(logic.workflow_versions.list(RG, WORKFLOW))
    assert [v.version for v in versions] == [second.version, first.version]
    old = logic.workflow_versions.get(RG, WORKFLOW, first.version)
    assert old.definition["contentVersion"] == "1.0.0.0"

    url = logic.workflows.list_callback_url(
        RG, WORKFLOW, GetCallbackUrlParameters(key_type="Primary")
    )
    assert url.method == "POST" and url.value.startswith(url.base_path)
    assert url.base_path.startswith(f"{endpoint}/workflows/")
    assert url.queries.sv == "1.0" and url.queries.sig
    trigger = logic.workflow_triggers.list_callback_url(RG, WORKFLOW, "manual")
    assert trigger.base_path.endswith("/triggers/manual/paths/invoke")

    logic.workflows.delete(RG, WORKFLOW)
    assert [w.name for w in logic.workflows.list_by_resource_group(RG)] == []


def test_standard_workflows_list_get_and_deploy_artifacts(web):
    """Logic Apps Standard (issue 21): `web_apps.list_workflows`, `get_workflow`,
    `deploy_workflow_artifacts` and `list_workflows_connections` of azure-mgmt-web."""
    listed = list(web.web_apps.list_workflows(RG, STANDARD_SITE))
    assert [w.name for w in listed] == [f"{STANDARD_SITE}/{STANDARD_WORKFLOW}"]
    assert listed[0].type == "Microsoft.Web/sites/workflows"
    assert listed[0].kind == "Stateful"
    assert listed[0].properties.flow_state == "Enabled"
    assert listed[0].properties.health.state == "Healthy"
    assert listed[0].properties.files is None
    flow = web.web_apps.get_workflow(RG, STANDARD_SITE, STANDARD_WORKFLOW)
    workflow_json = flow.properties.files["workflow.json"]
    assert set(workflow_json["definition"]["actions"]) == {"ProcessOrder"}
    assert "ordersFunctions" in flow.properties.files["connections.json"]["functionConnections"]

    # One call writes a workflow and an app setting; the file reads back as written.
    workflow_json["definition"]["contentVersion"] = "3.0.0.0"
    answer = web.web_apps.deploy_workflow_artifacts(
        RG,
        STANDARD_SITE,
        WorkflowArtifacts(
            app_settings={"DEPLOYED_BY": "conformance"},
            files={
                f"{STANDARD_WORKFLOW}/workflow.json": workflow_json,
                "copy-flow/workflow.json": workflow_json,
            },
        ),
    )
    assert answer is None
    again = web.web_apps.get_workflow(RG, STANDARD_SITE, STANDARD_WORKFLOW)
    assert again.properties.files["workflow.json"]["definition"]["contentVersion"] == "3.0.0.0"
    names = sorted(w.name for w in web.web_apps.list_workflows(RG, STANDARD_SITE))
    assert names == [f"{STANDARD_SITE}/copy-flow", f"{STANDARD_SITE}/{STANDARD_WORKFLOW}"]
    site_settings = web.web_apps.list_application_settings(RG, STANDARD_SITE).properties
    assert site_settings["DEPLOYED_BY"] == "conformance"

    web.web_apps.deploy_workflow_artifacts(
        RG, STANDARD_SITE, WorkflowArtifacts(files_to_delete=["copy-flow/workflow.json"])
    )
    names = [w.name for w in web.web_apps.list_workflows(RG, STANDARD_SITE)]
    assert names == [f"{STANDARD_SITE}/{STANDARD_WORKFLOW}"]
    connections = web.web_apps.list_workflows_connections(RG, STANDARD_SITE)
    assert "functionConnections" in connections.properties.files["connections.json"]


def test_standard_slot_workflows_list_get_and_deploy_artifacts(web):
    """The `_slot` forms: the staging slot answers its own files; a deploy to it leaves
    production as it was; an unknown slot is ResourceNotFound."""
    listed = list(web.web_apps.list_instance_workflows_slot(RG, STANDARD_SITE, STANDARD_SLOT))
    assert [w.name for w in listed] == [f"{STANDARD_SITE}/{STANDARD_SLOT}/{STANDARD_WORKFLOW}"]
    assert listed[0].type == "Microsoft.Web/sites/slots/workflows"
    staged = web.web_apps.get_instance_workflow_slot(
        RG, STANDARD_SITE, STANDARD_SLOT, STANDARD_WORKFLOW
    )
    staged_json = staged.properties.files["workflow.json"]
    assert set(staged_json["definition"]["actions"]) == {"ProcessOrder", "Archive"}

    web.web_apps.deploy_workflow_artifacts_slot(
        RG,
        STANDARD_SITE,
        STANDARD_SLOT,
        WorkflowArtifacts(app_settings={"STAGE": "next"}, files={"next-flow/workflow.json": staged_json}),
    )
    slot_names = sorted(
        w.name for w in web.web_apps.list_instance_workflows_slot(RG, STANDARD_SITE, STANDARD_SLOT)
    )
    assert slot_names == [
        f"{STANDARD_SITE}/{STANDARD_SLOT}/next-flow",
        f"{STANDARD_SITE}/{STANDARD_SLOT}/{STANDARD_WORKFLOW}",
    ]
    production = web.web_apps.get_workflow(RG, STANDARD_SITE, STANDARD_WORKFLOW)
    assert set(production.properties.files["workflow.json"]["definition"]["actions"]) == {"ProcessOrder"}
    assert [w.name for w in web.web_apps.list_workflows(RG, STANDARD_SITE)] == [
        f"{STANDARD_SITE}/{STANDARD_WORKFLOW}"
    ]
    slot_settings = web.web_apps.list_application_settings_slot(RG, STANDARD_SITE, STANDARD_SLOT)
    assert slot_settings.properties["STAGE"] == "next"
    assert "STAGE" not in web.web_apps.list_application_settings(RG, STANDARD_SITE).properties
    connections = web.web_apps.list_workflows_connections_slot(RG, STANDARD_SITE, STANDARD_SLOT)
    assert "functionConnections" in connections.properties.files["connections.json"]
    try:
        web.web_apps.get_instance_workflow_slot(RG, STANDARD_SITE, "nope", STANDARD_WORKFLOW)
    except ResourceNotFoundError as error:
        assert error.status_code == 404
    else:
        raise AssertionError("an unknown slot must answer 404")


def test_standard_run_history_through_the_host_runtime(web, endpoint):
    """`web.workflow_triggers`, `workflow_runs` and `workflow_run_actions` (the host runtime's
    operations): a run started through the SDK is read back with the ids and types of
    Microsoft.Web's examples (WorkflowRuns_Get.json, WorkflowRunActions_Get.json,
    WorkflowTriggers_Get.json)."""
    poller = web.workflow_triggers.begin_run(
        RG, STANDARD_SITE, STANDARD_WORKFLOW, "manual", polling=VirtualTimePolling()
    )
    poller.result()
    advanced = requests.post(
        f"{endpoint}/_slotdrill/advance?ms=60000",
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=30,
    )
    assert advanced.status_code == 200, advanced.text
    runs = list(web.workflow_runs.list(RG, STANDARD_SITE, STANDARD_WORKFLOW))
    assert len(runs) == 1
    run = runs[0]
    assert (run.id, run.type) == (f"/workflows/{STANDARD_WORKFLOW}/runs/{run.name}", "workflows/runs")
    assert run.properties.status == "Succeeded"
    assert run.properties.workflow.type == "workflows/versions"
    again = web.workflow_runs.get(RG, STANDARD_SITE, STANDARD_WORKFLOW, run.name)
    assert again.id == run.id
    actions = list(web.workflow_run_actions.list(RG, STANDARD_SITE, STANDARD_WORKFLOW, run.name))
    assert [a.name for a in actions] == ["ProcessOrder"]
    assert actions[0].type == "/workflows/runs/actions"
    assert actions[0].id == f"/workflows/{STANDARD_WORKFLOW}/runs/{run.name}/actions/ProcessOrder"
    assert actions[0].properties.status == "Succeeded"
    triggers = list(web.workflow_triggers.list(RG, STANDARD_SITE, STANDARD_WORKFLOW))
    assert [(t.name, t.type) for t in triggers] == [("manual", "/workflows/triggers")]
    trigger = web.workflow_triggers.get(RG, STANDARD_SITE, STANDARD_WORKFLOW, "manual")
    assert trigger.id == f"/workflows/{STANDARD_WORKFLOW}/triggers/manual"
    assert trigger.properties.state == "Enabled"
    url = web.workflow_triggers.list_callback_url(RG, STANDARD_SITE, STANDARD_WORKFLOW, "manual")
    assert url.method == "POST" and url.value.startswith(url.base_path)
    port = endpoint.rsplit(":", 1)[1]
    assert url.base_path.startswith(
        f"https://{STANDARD_SITE}.azurewebsites.net:{port}/runtime/webhooks/workflow/scaleUnits/prod-00/workflows/"
    )
    assert url.queries.sp == f"/versions/{run.properties.workflow.name}/triggers/manual/run"
